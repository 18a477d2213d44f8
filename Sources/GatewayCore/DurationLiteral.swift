/// Durations as written in the configuration: a non-negative decimal number and a unit, `250ms`, `30s`, `5m`, `2h`,
/// `7d`, `1.5s`. A bare number is refused (is `30` seconds or milliseconds?), and so is anything finer than a millisecond.
public enum DurationLiteral {
    /// Why a text is not a duration.
    public enum Failure: Error, Sendable, Equatable {
        /// A number with no unit (`30`, `1.5`).
        case missingUnit
        /// Not a number followed by a unit.
        case malformed
        /// A valid duration below zero.
        case negative
        /// Finer than a millisecond (`1.5ms`).
        case fractionalMillis
        /// Does not fit in 64-bit milliseconds.
        case tooLarge
    }

    /// The longest duration accepted: 366 days.
    static let maxMillis: Int64 = 366 * 86_400_000

    /// Milliseconds per unit.
    static let units: [(suffix: String, millis: Int64)] = [
        ("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
    ]

    /// The duration in milliseconds, or why `text` is not one.
    public static func millis(from text: String) -> Result<Int64, Failure> {
        var body = Substring(text.filter { !$0.isWhitespace })
        let isNegative = body.first == "-"
        if isNegative { body = body.dropFirst() }
        let number = body.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let unitText = body[number.endIndex...]
        let parts = number.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard !number.isEmpty, parts.allSatisfy({ !$0.contains(".") }), parts.contains(where: { !$0.isEmpty }) else {
            return .failure(.malformed)
        }
        guard !unitText.isEmpty else { return .failure(.missingUnit) }
        guard let unit = units.first(where: { $0.suffix == unitText }) else { return .failure(.malformed) }

        let whole = String(parts[0])
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        guard fraction.count <= 9 else { return .failure(.fractionalMillis) }
        guard let mantissa = Int64(whole + fraction) else { return .failure(.tooLarge) }
        var scale: Int64 = 1
        for _ in 0..<fraction.count { scale *= 10 }
        let (scaled, overflow) = mantissa.multipliedReportingOverflow(by: unit.millis)
        guard !overflow else { return .failure(.tooLarge) }
        guard scaled % scale == 0 else { return .failure(.fractionalMillis) }
        let millis = scaled / scale
        if isNegative && millis != 0 { return .failure(.negative) }
        // No setting needs more than a year; larger values only set up overflows downstream (found by fuzzing).
        return millis > maxMillis ? .failure(.tooLarge) : .success(millis)
    }
}
