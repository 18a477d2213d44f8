import Dispatch
import Synchronization

/// A sleep on a dispatch timer that gives its memory back the moment it is cancelled.
///
/// `Task.sleep` does not: its wake-up stays queued in the runtime until the deadline passes, cancelled or not
/// (swiftlang/swift#60441). The daemon cancels sleeps all the time — every nudge of a `WakeSignal` cancels the
/// waiter's sleep, and the outbox flusher and inbox dispatcher sleep "until forever" between nudges — so with
/// `Task.sleep` every nudge left a small allocation behind for good: the soak's RSS grew ~30 bytes a cycle.
/// Here cancelling cancels the timer source, and the source and its continuation are released at once.
enum TimerSleep {
    /// Sleeps `millis` milliseconds on the monotonic clock, measured from now (zero or less returns at once).
    /// Throws `CancellationError` when the task is cancelled.
    static func sleep(millis: Int64) async throws {
        guard millis > 0 else { return }
        let sleeper = Sleeper()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                sleeper.start(millis: millis, continuation)
            }
        } onCancel: {
            sleeper.finish(cancelled: true)
        }
    }

    /// The timers' queue: the handler only resumes a continuation.
    private static let queue = DispatchQueue(label: "gatewayd.timer-sleep")

    /// One sleep: its continuation and timer, finished exactly once (by the timer or by cancellation).
    private final class Sleeper: Sendable {
        private struct State {
            var continuation: CheckedContinuation<Void, any Error>?
            var timer: TimerHandle?
            var finished = false
            var cancelled = false
        }

        private let state = Mutex(State())

        func start(millis: Int64, _ continuation: CheckedContinuation<Void, any Error>) {
            let cancelledEarly = state.withLock { state -> Bool in
                if state.finished { return true }  // cancelled before the continuation existed
                state.continuation = continuation
                return false
            }
            if cancelledEarly {
                continuation.resume(throwing: CancellationError())
                return
            }
            let timer = TimerHandle(afterMillis: millis, queue: TimerSleep.queue) { [weak self] in self?.finish(cancelled: false) }
            let armed = state.withLock { state -> Bool in
                guard !state.finished else { return false }
                state.timer = timer
                return true
            }
            if armed { timer.arm() } else { timer.discard() }
        }

        /// Resumes the sleeper (throwing `CancellationError` when `cancelled`) and releases its timer; later calls
        /// do nothing.
        func finish(cancelled: Bool) {
            let taken = state.withLock { state -> (CheckedContinuation<Void, any Error>?, TimerHandle?)? in
                guard !state.finished else { return nil }
                state.finished = true
                defer {
                    state.continuation = nil
                    state.timer = nil
                }
                return (state.continuation, state.timer)
            }
            guard let (continuation, timer) = taken else { return }
            timer?.discard()
            if cancelled { continuation?.resume(throwing: CancellationError()) } else { continuation?.resume() }
        }
    }
}

/// A one-shot dispatch timer source.
///
/// `@unchecked Sendable`: a `DispatchSourceTimer` is thread-safe (dispatch serialises `resume` and `cancel`
/// itself), and `resumeOnce` keeps the one `resume` dispatch allows.
private final class TimerHandle: @unchecked Sendable {
    private let source: any DispatchSourceTimer
    private let resumed = Mutex(false)

    /// Longer waits are clamped to this (≈ 31 years) so the deadline arithmetic cannot overflow: a sleep "until
    /// `Int64.max`" is really "until cancelled".
    private static let longestMillis: Int64 = 1_000_000_000_000

    init(afterMillis millis: Int64, queue: DispatchQueue, handler: @escaping @Sendable () -> Void) {
        source = DispatchSource.makeTimerSource(queue: queue)
        source.schedule(deadline: .now() + .milliseconds(Int(min(millis, Self.longestMillis))), leeway: .milliseconds(1))
        source.setEventHandler(handler: handler)
    }

    /// Starts the countdown.
    func arm() { resumeOnce() }

    /// Cancels the timer: dispatch drops it from its timer list and releases it (and its handler) now. A source
    /// never armed is resumed after cancelling, since dispatch must not release an inactive source.
    func discard() {
        source.cancel()
        resumeOnce()
    }

    /// Dispatch sources must be resumed exactly once, whichever of `arm` and `discard` gets there first.
    private func resumeOnce() {
        let first = resumed.withLock { resumed -> Bool in
            defer { resumed = true }
            return !resumed
        }
        if first { source.resume() }
    }
}
