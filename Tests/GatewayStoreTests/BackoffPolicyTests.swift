import Testing

@testable import GatewayStore

@Suite("Backoff policy")
struct BackoffPolicyTests {
    @Test("with jitter 0 it reproduces the seed's schedule exactly")
    func seedSchedule() {
        var random = SplitMix64(seed: 1)
        let delays = (1...8).map { noJitter.delayMillis(afterAttempt: $0, random: &random) / 1000 }
        #expect(delays == [30, 60, 120, 240, 300, 300, 300, 300])
    }

    @Test("jitter stays within ±jitter over many seeds, and actually varies")
    func jitterBounds() {
        let policy = BackoffPolicy(jitter: 0.2)
        var seen = Set<Int64>()
        for seed in 0..<2_000 as Range<UInt64> {
            var random = SplitMix64(seed: seed)
            for attempt in 1...6 {
                let nominal = Double(policy.nominalDelayMillis(afterAttempt: attempt))
                let delay = Double(policy.delayMillis(afterAttempt: attempt, random: &random))
                #expect(delay >= (nominal * 0.8).rounded(.down) && delay <= (nominal * 1.2).rounded(.up))
                if attempt == 1 { seen.insert(Int64(delay)) }
            }
        }
        #expect(seen.count > 1_000, "jitter must spread the delays, not pick a few values")
    }

    @Test("the same seed gives the same delays")
    func seeded() {
        var a = SplitMix64(seed: 7)
        var b = SplitMix64(seed: 7)
        let policy = BackoffPolicy()
        #expect((1...10).map { policy.delayMillis(afterAttempt: $0, random: &a) }
            == (1...10).map { policy.delayMillis(afterAttempt: $0, random: &b) })
    }

    @Test("the cap holds for huge attempt counts without overflow")
    func cap() {
        let policy = BackoffPolicy(baseMillis: 1_000, factor: 10, capMillis: 60_000, jitter: 0)
        #expect(policy.nominalDelayMillis(afterAttempt: 1) == 1_000)
        #expect(policy.nominalDelayMillis(afterAttempt: 2) == 10_000)
        #expect(policy.nominalDelayMillis(afterAttempt: 3) == 60_000)
        #expect(policy.nominalDelayMillis(afterAttempt: 10_000) == 60_000)
    }

    @Test("invalid policies name the field")
    func validation() {
        #expect(BackoffPolicy().problems.isEmpty)
        #expect(BackoffPolicy(baseMillis: 10_000, capMillis: 5_000).problems == ["cap must not be less than base"])
        #expect(BackoffPolicy(jitter: 1.5).problems == ["jitter must be in [0, 1)"])
        #expect(BackoffPolicy(maxAttempts: 0).problems == ["max_attempts must be at least 1"])
    }
}
