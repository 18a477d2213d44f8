import GatewayNetworking
import GatewayCore
import Synchronization

/// The paced, first-in-first-out queue of our outgoing message lines (PRIVMSG, JOIN).
///
/// `send` enqueues and waits until its last line is written; one ``drain(write:)`` loop (run by the adapter's `run()`)
/// writes them, each no earlier than ``IRCPacer`` allows on the injected clock — so tests move pacing with a
/// `ManualClock`. PONGs and our idle keep-alive PINGs bypass the queue: they must never wait behind user traffic. The
/// PING that confirms a message (``IRCAdapter/sendConfirmed(_:)``) is queued behind its lines, paced like them.
final class IRCOutbox: Sendable {
    private struct Item {
        let line: IRCLine
        /// Resumed when this line is written or failed: only the last line of a `send` carries one.
        let done: CheckedContinuation<Void, any Error>?
    }

    private struct State {
        var queue: [Item] = []
        var waiter: CheckedContinuation<Void, Never>?
        var closed: AdapterError?
        var pacer: IRCPacer
    }

    private let state: Mutex<State>
    private let clock: any GatewayClock

    init(clock: any GatewayClock, pacer: IRCPacer = IRCPacer()) {
        self.clock = clock
        state = Mutex(State(pacer: pacer))
    }

    /// How many lines wait to be written.
    var queuedCount: Int { state.withLock { $0.queue.count } }

    /// Queues `lines` and returns once the last one is written. Throws the close reason when the queue closes first.
    func send(_ lines: [IRCLine]) async throws {
        guard !lines.isEmpty else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome = state.withLock { state -> (AdapterError?, CheckedContinuation<Void, Never>?) in
                if let closed = state.closed { return (closed, nil) }
                for (index, line) in lines.enumerated() {
                    state.queue.append(Item(line: line, done: index == lines.count - 1 ? continuation : nil))
                }
                defer { state.waiter = nil }
                return (nil, state.waiter)
            }
            if let closed = outcome.0 { continuation.resume(throwing: closed) }
            outcome.1?.resume()
        }
    }

    /// Books `count` lines on the pacer without queueing them (for lines written directly, like the first JOINs);
    /// returns when each may go.
    func book(_ count: Int) -> [Int64] {
        let now = clock.nowMillis()
        return state.withLock { state in (0..<count).map { _ in state.pacer.schedule(now: now) } }
    }

    /// Writes queued lines at their paced times until cancelled (throws) or closed (returns). A write failure is
    /// thrown after failing that line's `send`.
    func drain(write: @Sendable (IRCLine) async throws -> Void) async throws {
        while let item = await next() {
            let at = state.withLock { $0.pacer.schedule(now: clock.nowMillis()) }
            do {
                try await clock.sleep(untilMillis: at)
                try await write(item.line)
            } catch {
                item.done?.resume(throwing: error)
                throw error
            }
            item.done?.resume()
        }
    }

    /// Fails every queued and future `send` with `reason`, and ends ``drain(write:)``. Safe more than once.
    func close(_ reason: AdapterError) {
        let (items, waiter) = state.withLock { state -> ([Item], CheckedContinuation<Void, Never>?) in
            if state.closed == nil { state.closed = reason }
            defer {
                state.queue = []
                state.waiter = nil
            }
            return (state.queue, state.waiter)
        }
        for item in items { item.done?.resume(throwing: reason) }
        waiter?.resume()
    }

    /// The next queued line; waits for one. Nil when closed or cancelled.
    private func next() async -> Item? {
        while true {
            enum Poll { case item(Item), finished, wait }
            let poll = state.withLock { state -> Poll in
                if state.closed != nil || Task.isCancelled { return .finished }
                if !state.queue.isEmpty { return .item(state.queue.removeFirst()) }
                return .wait
            }
            switch poll {
            case .item(let item): return item
            case .finished: return nil
            case .wait: break
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        if state.closed != nil || !state.queue.isEmpty || Task.isCancelled { return true }
                        state.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                    defer { state.waiter = nil }
                    return state.waiter
                }
                waiter?.resume()
            }
        }
    }
}
