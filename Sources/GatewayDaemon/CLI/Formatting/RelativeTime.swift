import GatewayCore
import GatewayRuntime
import GatewayNetworking
/// Times as an operator reads them: "in 2m 10s", "now", "3h ago", "2d 4h ago".
///
/// Pure functions over Unix milliseconds; `now` is always a parameter, so every case is testable without a clock.
enum RelativeTime {
    /// A wait shown at most this overdue still reads "now" (a daemon acts within a watcher loop).
    static let overdueGraceMillis: Int64 = 60_000

    /// `time` relative to `now`: "in 2m 10s" (a future time, seconds rounded up), "now" (less than a second ago),
    /// "3h ago" (seconds rounded down).
    static func describe(_ time: Int64, now: Int64) -> String {
        let delta = time - now
        if delta > 0 { return "in \(span(seconds: ceilingSeconds(delta)))" }
        let seconds = -delta / 1000
        return seconds == 0 ? "now" : "\(span(seconds: seconds)) ago"
    }

    /// When a queued attempt is due: "in 45s", "now" (due, or overdue less than a minute), or "overdue 5m" (nobody
    /// has acted on it for a while: no daemon runs, or its watcher is stalled).
    static func due(_ time: Int64, now: Int64) -> String {
        if time > now { return describe(time, now: now) }
        return now - time < overdueGraceMillis ? "now" : "overdue \(span(seconds: (now - time) / 1000))"
    }

    /// How long ago `time` was, never "in …": "0s ago" for a time in the future (a clock skewed between hosts).
    static func ago(_ time: Int64, now: Int64) -> String {
        "\(span(seconds: max(0, now - time) / 1000)) ago"
    }

    /// A length of time in its two largest units, omitting a zero second unit: "45s", "2m 10s", "3h", "2d 4h".
    static func span(seconds: Int64) -> String {
        let total = seconds.magnitude
        let units: [(size: UInt64, suffix: String)] = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")]
        guard let first = units.firstIndex(where: { total >= $0.size }) else { return "0s" }
        let major = total / units[first].size
        var text = "\(major)\(units[first].suffix)"
        if first + 1 < units.count {
            let minor = (total % units[first].size) / units[first + 1].size
            if minor > 0 { text += " \(minor)\(units[first + 1].suffix)" }
        }
        return text
    }

    /// Whole seconds in a positive millisecond interval, rounded up: a wait of 1 ms is "in 1s", not "now".
    static func ceilingSeconds(_ millis: Int64) -> Int64 { (millis + 999) / 1000 }
}
