import GatewayNetworking
import GatewayCore
import Synchronization

/// Our own PINGs and the PONGs that answer them, for one connection.
///
/// Every PING we send carries a fresh token `gatewayd-N`: the idle probe's (``token()``: nobody waits for its PONG,
/// any received line counts as life) and the confirmation after each outgoing message's lines (``expect()`` then
/// ``wait(for:)``). A server processes a client's commands in order, so the PONG for a PING written after a message's
/// PRIVMSGs proves the server has read and processed every one of them — the only acknowledgement IRC has.
final class IRCPings: Sendable {
    private enum Slot {
        case pending
        case answered
        case waiting(CheckedContinuation<Void, any Error>)
        case failed(any Error)
    }

    private struct State {
        var issued: UInt64 = 0
        var slots: [String: Slot] = [:]
        var closed: AdapterError?
    }

    private let state = Mutex(State())

    /// How many confirmations are waited for (or not yet collected).
    var pendingCount: Int { state.withLock { $0.slots.count } }

    /// A fresh token for a PING whose PONG nobody waits for (the idle probe).
    func token() -> String {
        state.withLock { Self.issue(&$0) }
    }

    /// A fresh token whose PONG ``wait(for:)`` will wait for. Throws the close reason once the connection is over.
    func expect() throws(AdapterError) -> String {
        let outcome = state.withLock { state -> Result<String, AdapterError> in
            if let closed = state.closed { return .failure(closed) }
            let token = Self.issue(&state)
            state.slots[token] = .pending
            return .success(token)
        }
        return try outcome.get()
    }

    /// Returns once the PONG for `token` (from ``expect()``) has arrived, also when it arrived before this call.
    /// Throws the close reason, the error given to ``fail(_:with:)``, or `CancellationError`.
    func wait(for token: String) async throws {
        defer { _ = state.withLock { $0.slots.removeValue(forKey: token) } }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Void, any Error>? in
                    switch state.slots[token] {
                    case .answered: return .success(())
                    case .failed(let error): return .failure(error)
                    case .waiting: return .failure(AdapterError(.server, code: "ping_token", message: "two waits for one PONG"))
                    case .pending:
                        if let closed = state.closed { return .failure(closed) }
                        if Task.isCancelled { return .failure(CancellationError()) }
                        state.slots[token] = .waiting(continuation)
                        return nil
                    case nil:
                        return .failure(state.closed ?? AdapterError(.server, code: "ping_token", message: "no PING with this token"))
                    }
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            fail(token, with: CancellationError())
        }
    }

    /// Notes a PONG for `token`; true when a confirmation was expecting it (idle probes and strangers: false).
    @discardableResult
    func answered(_ token: String) -> Bool {
        let (expected, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Void, any Error>?) in
            switch state.slots[token] {
            case .pending:
                state.slots[token] = .answered
                return (true, nil)
            case .waiting(let continuation):
                state.slots[token] = .answered
                return (true, continuation)
            case .answered, .failed, nil:
                return (false, nil)
            }
        }
        waiter?.resume()
        return expected
    }

    /// Fails the confirmation for `token` (its deadline passed, or its waiter was cancelled); true when it was still
    /// unanswered, false when the PONG had already arrived or the wait is over.
    @discardableResult
    func fail(_ token: String, with error: any Error) -> Bool {
        let (unanswered, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Void, any Error>?) in
            switch state.slots[token] {
            case .pending:
                state.slots[token] = .failed(error)
                return (true, nil)
            case .waiting(let continuation):
                state.slots[token] = .failed(error)
                return (true, continuation)
            case .answered, .failed, nil:
                return (false, nil)
            }
        }
        waiter?.resume(throwing: error)
        return unanswered
    }

    /// Forgets `token` without waiting (its PING was never written).
    func discard(_ token: String) {
        _ = state.withLock { $0.slots.removeValue(forKey: token) }
    }

    /// Fails every unanswered confirmation, and every later ``expect()``, with `reason`. Safe more than once.
    func close(_ reason: AdapterError) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            if state.closed == nil { state.closed = reason }
            var waiters: [CheckedContinuation<Void, any Error>] = []
            for (token, slot) in state.slots {
                switch slot {
                case .pending:
                    state.slots[token] = .failed(reason)
                case .waiting(let continuation):
                    state.slots[token] = .failed(reason)
                    waiters.append(continuation)
                case .answered, .failed:
                    continue
                }
            }
            return waiters
        }
        for waiter in waiters { waiter.resume(throwing: reason) }
    }

    private static func issue(_ state: inout State) -> String {
        state.issued += 1
        return "gatewayd-\(state.issued)"
    }
}
