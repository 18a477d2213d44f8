import Foundation

/// The wall clock the store stamps rows with (Unix milliseconds). Injected so tests control time.
///
/// Wall-clock, not monotonic: persisted times must mean the same after a reboot. The store guards against the clock
/// moving backwards (see `Store.adjustForClockJumps`).
public protocol WallClock: Sendable {
    /// Now, in Unix milliseconds.
    func nowMillis() -> Int64
}

/// The system's real-time clock.
public struct SystemWallClock: WallClock {
    public init() {}
    public func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}
