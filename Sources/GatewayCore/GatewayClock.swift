
/// The clock supervision runs on: wall-clock "now" (what the store persists) and sleeping until a wall time.
///
/// Injected everywhere, so tests drive schedules with a `ManualClock` instead of sleeping.
public protocol GatewayClock: WallClock {
    /// Returns once the clock reads at least `deadline` (Unix ms). Throws `CancellationError` when cancelled.
    func sleep(untilMillis deadline: Int64) async throws
}

/// The real clock: `Date` for now, a dispatch timer for waiting (`TimerSleep`: unlike `Task.sleep`, a cancelled
/// sleep releases its memory at once — the daemon cancels sleeps on every nudge).
///
/// A sleep is measured on the monotonic clock from the moment it starts; the watcher never sleeps longer than its
/// poll interval, so a wall-clock jump is noticed within one interval.
public struct SystemGatewayClock: GatewayClock {
    private let wall = SystemWallClock()

    public init() {}

    public func nowMillis() -> Int64 { wall.nowMillis() }

    public func sleep(untilMillis deadline: Int64) async throws {
        let now = nowMillis()
        guard deadline > now else { return }
        try await TimerSleep.sleep(millis: deadline - now)
    }
}
