import GatewayCore
import GatewayNetworking
import Synchronization

/// Wakes the watcher. `nudge()` asks for work (a failure to schedule, an attempt that finished, shutdown) and is
/// remembered until consumed, so none is lost and several coalesce into one wake-up. The deadline timer only wakes.
final class WakeSignal: Sendable {
    private struct State {
        var wakePending = false
        var nudged = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Asks the watcher to re-evaluate now.
    func nudge() { wake(nudging: true) }

    /// Whether a wake-up is waiting to be taken.
    var hasPendingWake: Bool { state.withLock { $0.wakePending || $0.nudged } }

    /// Whether a nudge arrived since the last call; clears it.
    func consumeNudge() -> Bool {
        state.withLock { state in
            defer { state.nudged = false }
            return state.nudged
        }
    }

    private func wake(nudging: Bool) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if nudging { state.nudged = true }
            guard let waiter = state.waiter else {
                state.wakePending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns at the next nudge (at once if one is pending) or when `clock` reaches `deadline`. One waiter at a time.
    func wait(until deadline: Int64, clock: any GatewayClock) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await clock.sleep(untilMillis: deadline)
                    self.wake(nudging: false)
                } catch {}  // cancelled: something else woke the watcher first
            }
            await self.waitForWake()
            group.cancelAll()
        }
    }

    private func waitForWake() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.wakePending || Task.isCancelled {
                        state.wakePending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            wake(nudging: false)
        }
    }
}
