import GatewayStore

/// A mutation byte-level fuzzers rarely make: replace one run of ASCII digits with another integer.
///
/// In Swift, integer overflow traps, and what overflows is a number read from outside (`date × 1000`,
/// `retry_after × 1000`, `update_id + 1`). A value that passes decoding (fits in 64 bits) and then overflows needs a
/// number of a precise size, which bit flips and dictionary insertions into an existing number almost never produce,
/// and libFuzzer's comparison tracing cannot steer toward (an overflow check is not a comparison). This swaps a whole
/// digit run for a boundary value or a random number of 1–19 digits. Used by libFuzzer (as part of the custom
/// mutator of the fuzz executables) and by the tests' seeded mutator.
public enum NumberMutation {
    static let boundaries: [String] = [
        "0", "1", "-1", "255", "65535", "2147483647", "2147483648", "4294967295", "4294967296",
        "9007199254740992", "9223372036854775", "92233720368547758", "9223372036854775806", "9223372036854775807",
        "-9223372036854775808", "9223372036854775808", "18446744073709551615", "1e18", "1.5",
    ]

    /// `bytes` with one digit run (optionally signed) replaced; nil when `bytes` holds no digit.
    public static func replacingNumber(in bytes: [UInt8], seed: UInt64) -> [UInt8]? {
        var random = SplitMix64(seed: seed)
        var runs: [Range<Int>] = []
        var index = 0
        while index < bytes.count {
            guard isDigit(bytes[index]) else {
                index += 1
                continue
            }
            var start = index
            if start > 0, bytes[start - 1] == UInt8(ascii: "-") { start -= 1 }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            runs.append(start..<index)
        }
        guard !runs.isEmpty else { return nil }
        let run = runs[Int.random(in: 0..<runs.count, using: &random)]
        let replacement: String
        if Bool.random(using: &random) {
            replacement = boundaries[Int.random(in: 0..<boundaries.count, using: &random)]
        } else {
            let digits = Int.random(in: 1...19, using: &random)
            replacement = String((0..<digits).map { position in
                Character(String(Int.random(in: (position == 0 && digits > 1 ? 1 : 0)...9, using: &random)))
            })
        }
        var result = bytes
        result.replaceSubrange(run, with: Array(replacement.utf8))
        return result
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) }
}
