/// When to retry a platform after a failure. Pure: no clock, no I/O; the random source is passed in.
///
/// `delay(n) = min(base · factor^(n−1), cap)`, then scaled by a uniform factor in `[1 − jitter, 1 + jitter]`.
/// With `jitter = 0` and the defaults this is the seed gateway's schedule: 30, 60, 120, 240, 300, 300, … seconds.
///
/// ```swift
/// var random = SplitMix64(seed: 1)
/// let policy = BackoffPolicy(jitter: 0)
/// policy.delayMillis(afterAttempt: 3, random: &random) // 120_000
/// ```
public struct BackoffPolicy: Sendable, Hashable {
    /// What happens when `maxAttempts` attempts in a row have failed.
    public enum Exhausted: String, Sendable, Hashable, CaseIterable {
        /// Keep retrying every `slowIntervalMillis` and flag the row (`exhausted = 1`) so it is alerted on. Default.
        case slow
        /// Stop: the row goes to `gave_up` until an operator retries or the credentials change. Opt-in.
        case giveUp = "give_up"
    }

    public var baseMillis: Int64
    public var factor: Double
    public var capMillis: Int64
    public var maxAttempts: Int
    /// Fraction in `[0, 1)`: 0.2 means ±20 %.
    public var jitter: Double
    /// How long one connect attempt may take before it counts as a network failure.
    public var connectTimeoutMillis: Int64
    /// How long a connection must stay up before its failure streak is forgiven (attempts reset to 0).
    public var stablePeriodMillis: Int64
    public var onExhausted: Exhausted
    /// The cadence of the `slow` exhausted policy.
    public var slowIntervalMillis: Int64
    /// How often the platform's endpoint is probed while it waits after a network-class failure and the endpoint is
    /// unreachable (`probe: 1s`; a reachable endpoint is probed at a tenth of that rate); nil: never (`probe: off`).
    public var probeIntervalMillis: Int64?

    public init(
        baseMillis: Int64 = 30_000,
        factor: Double = 2,
        capMillis: Int64 = 300_000,
        maxAttempts: Int = 20,
        jitter: Double = 0.2,
        connectTimeoutMillis: Int64 = 30_000,
        stablePeriodMillis: Int64 = 600_000,
        onExhausted: Exhausted = .slow,
        slowIntervalMillis: Int64 = 300_000,
        probeIntervalMillis: Int64? = 1_000
    ) {
        self.baseMillis = baseMillis
        self.factor = factor
        self.capMillis = capMillis
        self.maxAttempts = maxAttempts
        self.jitter = jitter
        self.connectTimeoutMillis = connectTimeoutMillis
        self.stablePeriodMillis = stablePeriodMillis
        self.onExhausted = onExhausted
        self.slowIntervalMillis = slowIntervalMillis
        self.probeIntervalMillis = probeIntervalMillis
    }

    /// The default policy (base 30 s, factor 2, cap 300 s, 20 attempts then flagged and retried every 5 min, ±20 %,
    /// connect timeout 30 s, stable 10 min, probe every 1 s).
    public static let standard = BackoffPolicy()

    /// The problems that make this policy unusable, each naming its field (empty when valid).
    public var problems: [String] {
        var found: [String] = []
        if baseMillis <= 0 { found.append("base must be greater than 0") }
        if factor < 1 { found.append("factor must be at least 1") }
        if capMillis < baseMillis { found.append("cap must not be less than base") }
        if maxAttempts < 1 { found.append("max_attempts must be at least 1") }
        if !(0..<1).contains(jitter) { found.append("jitter must be in [0, 1)") }
        if connectTimeoutMillis <= 0 { found.append("connect_timeout must be greater than 0") }
        if stablePeriodMillis < 0 { found.append("stable_period must not be negative") }
        if slowIntervalMillis <= 0 { found.append("slow_interval must be greater than 0") }
        if let probe = probeIntervalMillis, probe < 500 { found.append("probe must be at least 500ms (or off)") }
        return found
    }

    /// The delay before the next attempt after `attempt` failed attempts in a row, without jitter.
    public func nominalDelayMillis(afterAttempt attempt: Int) -> Int64 {
        let exponent = Double(max(attempt, 1) - 1)
        let raw = Double(baseMillis) * _pow(factor, exponent)
        return raw >= Double(capMillis) ? capMillis : Int64(raw.rounded())
    }

    /// The jittered delay before the next attempt after `attempt` failed attempts in a row.
    public func delayMillis(afterAttempt attempt: Int, random: inout some RandomNumberGenerator) -> Int64 {
        jittered(nominalDelayMillis(afterAttempt: attempt), random: &random)
    }

    /// `millis` scaled by a uniform factor in `[1 − jitter, 1 + jitter]`.
    public func jittered(_ millis: Int64, random: inout some RandomNumberGenerator) -> Int64 {
        guard jitter > 0 else { return millis }
        let scale = Double.random(in: (1 - jitter)...(1 + jitter), using: &random)
        let scaled = (Double(millis) * scale).rounded()
        // Saturate instead of trapping: the policy comes from a file (a fuzzed config found the trap).
        return scaled >= 9.2e18 ? Int64.max / 2 : Int64(scaled)
    }

    /// The longest wait this policy can ask for after a failure (cap or slow cadence, jitter included).
    public var longestWaitMillis: Int64 {
        let longest = onExhausted == .slow ? max(capMillis, slowIntervalMillis) : capMillis
        let scaled = (Double(longest) * (1 + jitter)).rounded(.up)
        return scaled >= 9.2e18 ? Int64.max / 2 : Int64(scaled)
    }
}

/// `base^exponent` for small non-negative exponents, without Foundation; saturates to infinity.
private func _pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var remaining = Int(exponent)
    while remaining > 0 && result.isFinite {
        result *= base
        remaining -= 1
        if result > 1e18 { return .infinity }
    }
    return result
}
