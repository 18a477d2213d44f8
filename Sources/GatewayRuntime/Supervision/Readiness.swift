import GatewayCore
import GatewayNetworking
import Synchronization

/// Set once the runner has taken the lease and reconciled the configuration; cleared when it stops.
///
/// `/readyz` reads it, and the daemon's other loops (outbox flusher, inbox dispatcher) wait for it: nothing is sent
/// or delivered from a database whose lease this process does not hold.
public final class Readiness: Sendable {
    private struct State {
        var ready = false
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, any Error>] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public var isReady: Bool { state.withLock { $0.ready } }

    package func markReady() {
        let waiting = state.withLock { state in
            state.ready = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiting { waiter.resume() }
    }

    func markNotReady() { state.withLock { $0.ready = false } }

    /// Returns once ready (at once if it is); throws `CancellationError` when the calling task is cancelled first.
    public func waitUntilReady() async throws {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: (any Error)?? = state.withLock { state in
                    if state.ready { return .some(nil) }
                    if Task.isCancelled { return .some(CancellationError()) }
                    state.waiters[id] = continuation
                    return .none
                }
                switch resumeNow {
                case .some(nil): continuation.resume()
                case .some(let error?): continuation.resume(throwing: error)
                case .none: break
                }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }
}
