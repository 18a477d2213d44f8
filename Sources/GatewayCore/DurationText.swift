import Foundation

/// Durations as people write them in config and scripts (`250ms`, `30s`, `5m`, `2h`, `1.5s`), and back.
public enum DurationText {
    /// Milliseconds, or nil when `text` is not a non-negative number with a unit (see `DurationLiteral`).
    public static func millis(_ text: String) -> Int64? {
        try? DurationLiteral.millis(from: text).get()
    }

    /// `90_000` → "1m 30s"; `250` → "250ms"; for messages and status lines.
    public static func describe(millis: Int64) -> String {
        if millis < 1_000 { return "\(millis)ms" }
        var seconds = millis / 1_000
        let days = seconds / 86_400; seconds %= 86_400
        let hours = seconds / 3_600; seconds %= 3_600
        let minutes = seconds / 60; seconds %= 60
        let parts = [(days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")].filter { $0.0 > 0 }
        return parts.prefix(2).map { "\($0.0)\($0.1)" }.joined(separator: " ")
    }
}
