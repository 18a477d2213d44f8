import Foundation
import GatewayStore
import Testing

/// Real `gatewayd run` processes under libfaketime (`faketime -f ±1d`, LD_PRELOAD), restarted over the same
/// database with the wall clock a day behind, then a day ahead of the one the schedule was made with.
@Suite("Bad environments: clock jumps across restarts (libfaketime)", .serialized,
       .enabled(if: Privileges.faketime != nil, "needs faketime (apt-get install faketime; scripts/test installs it)"))
struct BadEnvironmentFaketimeTests {
    static let config = """
        reconnect: { base: 60s, factor: 1, cap: 60s, jitter: 0 }
        when_all_failed: stay
        platforms:
          a: { type: simulated, script: "fail network" }
          b: { type: simulated, script: "retry-after 90s" }
        """

    func run(_ scratch: Scratch, offset: String?, until what: String, _ condition: @escaping (Store) async throws -> Bool) async throws {
        let config = try scratch.write("gatewayd.yaml", Self.config)
        let db = scratch.path("gateway.db")
        let wrapper = offset.map { [Privileges.faketime ?? "faketime", "-f", $0] } ?? []
        let daemon = try GatewaydProcess(
            ["run", "--config", config, "--db", db], in: scratch.dir,
            environment: ["FAKETIME_DONT_FAKE_MONOTONIC": "1"], wrapper: wrapper)
        let store = try Store(path: db)
        try await eventually(what) { try await condition(store) }
        daemon.signal(SIGTERM)
        let result = await daemon.finish()
        #expect(result.status == 0, "\(offset ?? "real time"): \(result.stderr.suffix(1_500))")
    }

    @Test("a day back: waits shortened to at most the policy (cap) or the server's not-before; a day ahead: one staggered attempt each, no storm")
    func jumpsAcrossRestarts() async throws {
        let scratch = try Scratch("faketime")
        defer { scratch.remove() }
        let db = scratch.path("gateway.db")

        // 1. Real time: a fails (60 s wait), b is rate limited (90 s not-before).
        try await run(scratch, offset: nil, until: "a and b are queued") { store in
            try await store.platforms().filter { $0.state == .backingOff && $0.attempts == 1 }.count == 2
        }
        let store = try Store(path: db)
        let first = Dictionary(uniqueKeysWithValues: try await store.platforms().map { ($0.name, $0) })
        let realNow = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(try #require(first["a"]?.nextRetryAt) > realNow, "a is still waiting")

        // 2. The clock a day behind: the schedule made "tomorrow" is shortened, nothing fires.
        try await run(scratch, offset: "-1d", until: "the waits are shortened") { store in
            try await store.events(limit: 200).filter { $0.kind == .clockAdjusted }.count == 2
        }
        let adjustedAt = try #require(try await store.events(limit: 200).first { $0.kind == .clockAdjusted }?.at)
        #expect(realNow - adjustedAt > 86_000_000, "the daemon ran a day behind (faketime works on the Swift binary)")
        for (name, limit) in [("a", Int64(60_000)), ("b", Int64(90_000))] {
            let row = try #require(try await store.platform(name))
            let wait = try #require(row.nextRetryAt) - adjustedAt
            #expect(wait >= 0 && wait <= limit, "\(name): waits \(wait) ms after the clock moved back (limit \(limit))")
            if name == "b" { #expect(try #require(row.notBefore) - adjustedAt <= 90_000, "not-before moved with the clock") }
            #expect(row.attempts == 1, "\(name): no attempt while shortening (no storm)")
        }

        // 3. The clock a day ahead: both are overdue; each is attempted once, staggered, then waits its policy again.
        try await run(scratch, offset: "+1d", until: "both are attempted again") { store in
            try await store.platforms().filter { $0.attempts == 2 && $0.state == .backingOff }.count == 2
        }
        let events = try await store.events(limit: 500)
        #expect(events.filter { $0.kind == .staggered }.count == 2, "overdue rows are spread, not fired at once")
        for name in ["a", "b"] {
            let row = try #require(try await store.platform(name))
            #expect(row.attempts == 2, "\(name): exactly one attempt for the day skipped (no storm)")
            let failedAt = try #require(events.last { $0.platform == name && $0.kind == .failed }?.at)
            #expect(failedAt - realNow > 86_000_000, "the third run ran a day ahead")
            let wait = try #require(row.nextRetryAt) - failedAt
            #expect(wait >= 60_000 && wait <= 90_000, "\(name): waits its policy or not-before again (\(wait) ms)")
        }
        #expect(try await store.integrityCheck() == ["ok"])
    }
}
