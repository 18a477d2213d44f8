/// How many logins may start on one endpoint: at most `logins` in any window of `windowMillis` (a sliding window,
/// so a burst of `logins` may go at once and the next waits until the oldest of them is a window old).
///
/// Each kind declares its default from the platform's documented limits (``PlatformKind/loginBudget``).
public struct LoginBudget: Sendable, Equatable, CustomStringConvertible {
    public var logins: Int
    public var windowMillis: Int64

    public init(logins: Int, windowMillis: Int64) {
        self.logins = max(logins, 1)
        self.windowMillis = max(windowMillis, 1)
    }

    /// `20 logins per 1 s`.
    public var description: String { "\(logins) logins per \(DurationText.describe(millis: windowMillis))" }
}

/// Login slots per key (an endpoint): every attempt asks for one before it starts. Pure bookkeeping on times it is
/// given — no clock of its own — so its rules are tested on plain numbers.
///
/// A slot handed out for a later time is reserved for that platform: when the platform comes due at it, its attempt
/// takes the reserved slot instead of asking again.
public struct LoginSlots: Sendable {
    private struct Window {
        /// The start times of the last `budget.logins` slots handed out, oldest first (non-decreasing).
        var starts: [Int64] = []
    }

    private var windows: [String: Window] = [:]
    /// Slots reserved for a later time, by platform name.
    private var reserved: [String: Int64] = [:]
    /// The latest `now` asked with, to notice the wall clock moving back.
    private var lastNow: Int64?

    public init() {}

    /// When `platform` may start its login on `key` under `budget`: `now` (go) or a later time (wait for it; the
    /// slot is reserved). A platform coming back for a slot it reserved takes it once it is due.
    public mutating func slot(for platform: String, key: String, budget: LoginBudget, now: Int64) -> Int64 {
        shiftIfClockMovedBack(now: now)
        if let held = reserved[platform] {
            if held <= now { reserved[platform] = nil }
            return held <= now ? now : held
        }
        var window = windows[key] ?? Window()
        let start: Int64
        if window.starts.count < budget.logins {
            start = now  // every start so far is in the past: later ones are only handed out once the window is full
        } else {
            start = max(now, window.starts[window.starts.count - budget.logins] + budget.windowMillis)
        }
        window.starts.append(start)
        if window.starts.count > budget.logins { window.starts.removeFirst(window.starts.count - budget.logins) }
        windows[key] = window
        if start > now { reserved[platform] = start }
        return start
    }

    /// The wall clock went back more than a second (an NTP step): every slot moves back by as much, as the store
    /// shortens the queued waits — or a slot handed out under the later clock would hold a login back for as long
    /// as the clock moved.
    private mutating func shiftIfClockMovedBack(now: Int64) {
        defer { lastNow = max(lastNow ?? now, now) }
        guard let lastNow, lastNow - now > 1_000 else { return }
        let delta = lastNow - now
        windows = windows.mapValues { Window(starts: $0.starts.map { $0 - delta }) }
        reserved = reserved.mapValues { $0 - delta }
        self.lastNow = now
    }

    /// The later time `platform` holds a slot for, if any.
    public func reservation(for platform: String) -> Int64? { reserved[platform] }

    /// Forgets a reservation (the platform was paused, removed, or rescheduled by an operator).
    public mutating func release(_ platform: String) { reserved[platform] = nil }

    /// Platforms holding a slot for a later time.
    public var reservations: Int { reserved.count }
}
