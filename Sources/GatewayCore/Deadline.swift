import Synchronization

/// How an operation raced against its deadline went.
public enum DeadlineResult<T: Sendable>: Sendable {
    case finished(Result<T, any Error>)
    case timedOut
}

/// Runs `operation` until `clock` reaches `deadline`.
///
/// Unlike a task group, this does not wait for an operation that ignores cancellation: on timeout it cancels the
/// operation's task and returns at once. A hung connect therefore delays nobody — not even its own bookkeeping. (The
/// watcher's connect attempts, the lease keeper's renewals, and every query of the PostgreSQL store.)
public func withDeadline<T: Sendable>(
    _ deadline: Int64, clock: any GatewayClock, _ operation: @escaping @Sendable () async throws -> T
) async -> DeadlineResult<T> {
    let once = Once<DeadlineResult<T>>()
    return await withCheckedContinuation { continuation in
        once.install(continuation)
        let work = Task {
            let result: Result<T, any Error>
            do { result = .success(try await operation()) } catch { result = .failure(error) }
            once.resume(.finished(result))
        }
        let timer = Task {
            do {
                try await clock.sleep(untilMillis: deadline)
            } catch {
                return
            }
            if once.resume(.timedOut) { work.cancel() }
        }
        once.onResume { timer.cancel() }
    }
}

/// A continuation resumed exactly once, by whichever side gets there first.
private final class Once<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, Never>?
        var resumed = false
        var onResume: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    func install(_ continuation: CheckedContinuation<T, Never>) {
        state.withLock { $0.continuation = continuation }
    }

    func onResume(_ action: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if state.resumed { return true }
            state.onResume = action
            return false
        }
        if runNow { action() }
    }

    /// Resumes with `value` if nobody has yet; returns whether this call did.
    @discardableResult
    func resume(_ value: T) -> Bool {
        let taken = state.withLock { state -> (CheckedContinuation<T, Never>, (@Sendable () -> Void)?)? in
            guard !state.resumed, let continuation = state.continuation else { return nil }
            state.resumed = true
            state.continuation = nil
            defer { state.onResume = nil }
            return (continuation, state.onResume)
        }
        guard let (continuation, action) = taken else { return false }
        continuation.resume(returning: value)
        action?()
        return true
    }
}
