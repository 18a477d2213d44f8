import Foundation
import Testing

@testable import GatewayStore

@Suite("Restart safety")
struct RestartSafetyTests {
    let spec = PlatformSpec(name: "tg", type: "telegram", fingerprint: "aaaa", policy: noJitter)

    @Test("attempts and next retry survive closing and reopening the file with a later clock")
    func survivesReopen() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appending(path: "g.db").path
            let clock = TestClock()
            var store: Store? = try Store(path: path, clock: clock, random: SplitMix64(seed: 1))
            try await store!.startup(configured: [spec])
            let before = try await failAttempts("tg", times: 5, on: store!, clock: clock)
            #expect(before.attempts == 5 && before.state == .backingOff)
            #expect(before.nextRetryAt == clock.nowMillis() + 300_000)
            store = nil  // closes the connection

            clock.advance(seconds: 120)  // restarted before the retry is due
            let reopened = try Store(path: path, clock: clock, random: SplitMix64(seed: 2))
            let report = try await reopened.startup(configured: [spec])
            #expect(report.resumed == ["tg"] && report.staggered.isEmpty && report.added.isEmpty)
            let after = try #require(try await reopened.platform("tg"))
            #expect(after.attempts == 5)
            #expect(after.nextRetryAt == before.nextRetryAt)
            #expect(try await reopened.claimDue(owner: "x").isEmpty, "no attempt before the persisted next retry")
        }
    }

    @Test("rows overdue at startup are spread over the stagger window, not fired together")
    func overdueStaggered() async throws {
        try await withStore { store, clock, _ in
            let specs = (0..<40).map { PlatformSpec(name: "p\($0)", type: "simulated", policy: noJitter) }
            try await store.startup(configured: specs)
            let claimed = try await store.claimDue(owner: "a")
            #expect(claimed.count == 40, "a first start attempts every new platform at once")
            for spec in specs { try await store.recordFailure(spec.name, owner: "a", failure: networkFailure()) }
            clock.advance(seconds: 3_600)  // the daemon was down for an hour: all overdue

            let report = try await store.startup(configured: specs)
            #expect(report.staggered.count == 40)
            let now = clock.nowMillis()
            let times = try await store.queue().compactMap(\.nextRetryAt)
            #expect(times.allSatisfy { $0 >= now && $0 <= now + 10_000 })
            #expect(Set(times).count == 40, "each row gets its own slot")
            #expect(try await store.claimDue(owner: "b").count < 5, "only the first slots are due at once")
        }
    }

    @Test("a single overdue row is not delayed by the stagger")
    func singleOverdue() async throws {
        try await withStore { store, clock, _ in
            try await store.startup(configured: [spec])
            try await failAttempts("tg", times: 1, on: store, clock: clock)
            clock.advance(seconds: 3_600)
            try await store.startup(configured: [spec])
            #expect(try await store.claimDue(owner: "b").map(\.name) == ["tg"])
        }
    }

    @Test("an attempt interrupted by the process dying counts as an attempt and backs off")
    func interruptedAttemptCounted() async throws {
        try await withStore { store, clock, _ in
            try await store.startup(configured: [spec])
            try await failAttempts("tg", times: 2, on: store, clock: clock)
            clock.set(try #require(try await store.platform("tg")?.nextRetryAt))
            _ = try await store.claimDue(owner: "dead-daemon")  // attempt 3 starts; the process "dies"
            clock.advance(seconds: 1)

            let report = try await store.startup(configured: [spec])
            #expect(report.interrupted == ["tg"])
            let row = try #require(try await store.platform("tg"))
            #expect(row.state == .backingOff && row.attempts == 3)
            #expect(row.nextRetryAt == clock.nowMillis() + 120_000, "delay(3): a crash loop still backs off")
            #expect(try await store.events(platform: "tg").last?.kind == .interrupted)
        }
    }

    @Test("a row connected when the process died is attempted again, attempts kept")
    func connectedReattempted() async throws {
        try await withStore { store, clock, _ in
            try await store.startup(configured: [spec])
            try await failAttempts("tg", times: 2, on: store, clock: clock)
            clock.set(try #require(try await store.platform("tg")?.nextRetryAt))
            _ = try await store.claimDue(owner: "a")
            try await store.recordSuccess("tg", owner: "a")
            clock.advance(seconds: 5)
            try await store.startup(configured: [spec])
            let row = try #require(try await store.platform("tg"))
            #expect(row.state == .backingOff && row.attempts == 3 && row.nextRetryAt == clock.nowMillis())
        }
    }

    @Test("a changed credential fingerprint re-arms needs_attention and gave_up; the same one does not")
    func credentialChange() async throws {
        try await withStore { store, clock, _ in
            let giveUp = BackoffPolicy(maxAttempts: 1, jitter: 0, onExhausted: .giveUp)
            let a = PlatformSpec(name: "a", type: "telegram", fingerprint: "1111", policy: noJitter)
            let b = PlatformSpec(name: "b", type: "discord", fingerprint: "2222", policy: giveUp)
            try await store.startup(configured: [a, b])
            _ = try await store.claimDue(owner: "x")
            try await store.recordFailure("a", owner: "x", failure: PlatformFailure(.auth, code: "401", message: "Unauthorized"))
            try await store.recordFailure("b", owner: "x", failure: networkFailure())
            #expect(try await store.platform("a")?.state == .needsAttention)
            #expect(try await store.platform("b")?.state == .gaveUp)

            clock.advance(seconds: 60)
            let same = try await store.startup(configured: [a, b])
            #expect(same.credentialsChanged.isEmpty)
            #expect(try await store.platform("a")?.state == .needsAttention)

            var a2 = a, b2 = b
            a2.fingerprint = "3333"
            b2.fingerprint = "4444"
            let changed = try await store.startup(configured: [a2, b2])
            #expect(Set(changed.credentialsChanged) == ["a", "b"])
            for name in ["a", "b"] {
                let row = try #require(try await store.platform(name))
                #expect(row.state == .backingOff && row.attempts == 0 && row.nextRetryAt == clock.nowMillis())
            }
        }
    }

    @Test("backoff resets only after the stable period, which is persisted")
    func stablePeriod() async throws {
        try await withStore { store, clock, _ in
            try await store.startup(configured: [spec])
            try await failAttempts("tg", times: 3, on: store, clock: clock)
            clock.set(try #require(try await store.platform("tg")?.nextRetryAt))
            _ = try await store.claimDue(owner: "a")
            try await store.recordSuccess("tg", owner: "a")
            #expect(try await store.nextWakeAt() == clock.nowMillis() + 600_000, "the watcher wakes to forgive the streak")

            clock.advance(seconds: 599)
            #expect(try await store.stabilizeDue().isEmpty)
            #expect(try await store.platform("tg")?.attempts == 4)
            clock.advance(seconds: 1)
            #expect(try await store.stabilizeDue() == ["tg"])
            let row = try #require(try await store.platform("tg"))
            #expect(row.attempts == 0 && row.state == .connected && row.firstFailedAt == nil)
        }
    }

    @Test("one success pulls other network-class rows forward, jittered, not auth or rate-limited ones")
    func pullForward() async throws {
        try await withStore { store, clock, _ in
            let names = ["a", "b", "c", "limited", "bad"]
            try await store.startup(configured: names.map { PlatformSpec(name: $0, type: "simulated", policy: noJitter) })
            _ = try await store.claimDue(owner: "x")
            for name in ["a", "b", "c"] { try await store.recordFailure(name, owner: "x", failure: networkFailure()) }
            try await store.recordFailure("limited", owner: "x", failure: PlatformFailure(.rateLimited, message: "wait", notBefore: clock.nowMillis() + 900_000))
            try await store.recordFailure("bad", owner: "x", failure: PlatformFailure(.auth, message: "401"))
            let limitedDue = try #require(try await store.platform("limited")?.nextRetryAt)
            for _ in 0..<4 {  // a, b and c fail together four more times
                clock.set(try #require(try await store.earliestDue()))
                for row in try await store.claimDue(owner: "x") {
                    try await store.recordFailure(row.name, owner: "x", failure: networkFailure())
                }
            }
            #expect(try await store.platform("limited")?.nextRetryAt == limitedDue)
            // a, b, c now wait 300 s. The network comes back: a's retry succeeds early via an operator retry.
            try await store.retryNow("a", actor: .operator("test"))
            _ = try await store.claimDue(owner: "x")
            try await store.recordSuccess("a", owner: "x")
            let now = clock.nowMillis()
            for name in ["b", "c"] {
                let due = try #require(try await store.platform(name)?.nextRetryAt)
                #expect(due >= now && due <= now + 5_000)
                #expect(try await store.events(platform: name).last?.kind == .pulledForward)
            }
            #expect(try await store.platform("limited")?.nextRetryAt == limitedDue, "rate-limited rows keep the server's wait")
            #expect(try await store.platform("bad")?.state == .needsAttention)
        }
    }

    @Test("a first connect is no evidence the network came back: nothing is pulled forward")
    func firstConnectDoesNotPull() async throws {
        try await withStore { store, clock, _ in
            try await store.startup(configured: ["a", "b"].map { PlatformSpec(name: $0, type: "simulated", policy: noJitter) })
            _ = try await store.claimDue(owner: "x")
            try await store.recordFailure("b", owner: "x", failure: networkFailure())
            try await store.recordSuccess("a", owner: "x")
            #expect(try await store.platform("b")?.nextRetryAt == clock.nowMillis() + 30_000)
        }
    }

    @Test("a wall clock moved backwards cannot park a row beyond its planned wait")
    func clockBackwards() async throws {
        try await withStore { store, clock, _ in
            try await store.startup(configured: [spec])
            try await failAttempts("tg", times: 1, on: store, clock: clock)  // due in 30 s
            clock.advance(seconds: -86_400)  // NTP fixes a clock one day fast
            let report = try await store.startup(configured: [spec])
            #expect(report.clockAdjusted == ["tg"])
            #expect(try await store.platform("tg")?.nextRetryAt == clock.nowMillis() + 30_000)
        }
    }

    @Test("a platform removed from the configuration is disabled, its row and history kept")
    func removedPlatform() async throws {
        try await withStore { store, _, _ in
            try await store.startup(configured: [spec, PlatformSpec(name: "old", type: "irc")])
            let report = try await store.startup(configured: [spec])
            #expect(report.disabled == ["old"])
            #expect(try await store.platform("old")?.state == .disabled)
            #expect(try await store.events(platform: "old").map(\.kind) == [.added, .disabled])
            let back = try await store.startup(configured: [spec, PlatformSpec(name: "old", type: "irc")])
            #expect(back.enabled == ["old"])
            #expect(try await store.platform("old")?.state == .backingOff)
        }
    }
}
