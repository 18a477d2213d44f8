import GatewayCore
import GatewayRuntime
import Foundation

/// Percentiles and the formatting of numbers for the report.
enum Stats {
    /// The `p`-th percentile (0...100) of `values` by nearest rank; nil when empty.
    static func percentile<T: Comparable>(_ values: [T], _ p: Double) -> T? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// Seconds with sensible precision: "0.004 s", "4.2 s", "1,234 s".
    static func seconds(millis: Int64) -> String { seconds(Double(millis) / 1000) }

    static func seconds(_ value: Double) -> String {
        if value < 0.01 { return String(format: "%.1f ms", value * 1000) }
        if value < 1 { return String(format: "%.0f ms", value * 1000) }
        if value < 10 { return String(format: "%.2f s", value) }
        if value < 1000 { return String(format: "%.0f s", value) }
        return "\(grouped(Int(value.rounded()))) s"
    }

    /// Microseconds from nanoseconds: "12.3 µs".
    static func micros(nanos: Double) -> String {
        if nanos < 1_000 { return String(format: "%.3f µs", nanos / 1_000) }
        if nanos < 100_000 { return String(format: "%.1f µs", nanos / 1_000) }
        if nanos < 1_000_000 { return String(format: "%.0f µs", nanos / 1_000) }
        return String(format: "%.1f ms", nanos / 1_000_000)
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// "12×" / "0.4×" / "—" for a ratio.
    static func ratio(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "—" }
        if value >= 100 { return "\(grouped(Int(value.rounded())))×" }
        if value >= 10 { return String(format: "%.0f×", value) }
        return String(format: "%.2g×", value)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var nanos: Double { seconds * 1e9 }
}
