import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime

/// The seed gateway's reconnect scenarios (hermes-agent PR #2584), each with exact delays on a manual clock.
/// The seed's own tests only counted sleeps; these assert the persisted schedule.
@Suite("Seed scenarios")
struct SeedScenarioTests {
    static let policy = "reconnect: { base: 30s, factor: 2, cap: 300s, max_attempts: 20, jitter: 0, connect_timeout: 30s }"

    func gateway(_ platforms: String, extra: String = "", factory: any AdapterMaking = AdapterFactory()) async throws -> Harness {
        try await Harness("""
            \(Self.policy)
            \(extra)
            platforms:
            \(platforms)
            """, factory: factory)
    }

    @Test("a startup failure is queued with the first backoff; only retryable failures are queued")
    func startupFailureQueued() async throws {
        let g = try await gateway("""
              ok:    { type: simulated, script: "connect" }
              flaky: { type: simulated, script: "fail network x3, then connect" }
              bad:   { type: simulated, script: "fail auth" }
            """)
        try await g.settle()
        #expect(try await g.row("ok").state == .connected)
        let flaky = try await g.row("flaky")
        #expect(flaky.state == .backingOff && flaky.attempts == 1)
        #expect(flaky.nextRetryAt == g.t0 + 30_000)
        #expect(try await g.row("bad").state == .needsAttention)
        #expect(try await g.store.queue().map(\.name) == ["flaky"])
        try await g.stop()
    }

    @Test("a reconnect that succeeds leaves the queue, is wired to the router, and rebuilds the directory")
    func reconnectSucceeds() async throws {
        let g = try await gateway("  flaky: { type: simulated, script: \"fail network, then connect\" }")
        try await g.settle()
        let router = g.runner.router
        await #expect(throws: DeliveryError.self) { try await router.send(OutgoingMessage(target: "#general", text: "hi"), on: "flaky") }
        g.clock.advance(seconds: 30)
        try await g.waitFor("flaky", .connected)
        try await g.settle()
        #expect(try await g.store.queue().isEmpty)
        #expect(try await g.row("flaky").attempts == 2)
        let sent = try await router.send(OutgoingMessage(target: "#general", text: "hi"), on: "flaky")
        #expect(sent.ids == ["flaky-1"])
        #expect(try await router.directory(platform: "flaky").map(\.channel.id) == ["#general", "@owner"])
        try await g.stop()
    }

    @Test("a non-retryable failure on reconnect leaves the queue: needs_attention")
    func nonRetryableOnReconnect() async throws {
        let g = try await gateway("  p: { type: simulated, script: \"fail network, then fail auth\" }")
        try await g.settle()
        g.clock.advance(seconds: 30)
        try await g.waitFor("p", .needsAttention)
        #expect(try await g.store.queue().isEmpty)
        #expect(try await g.row("p").lastErrorClass == .auth)
        try await g.stop()
    }

    @Test("a retryable failure stays queued with attempts + 1 and the next delay")
    func retryableStaysQueued() async throws {
        let g = try await gateway("  p: { type: simulated, script: \"fail server x3, then connect\" }")
        try await g.settle()
        g.clock.advance(seconds: 30)
        try await g.waitUntil("attempt 2 recorded") { let row = try await g.row("p"); return row.attempts == 2 && row.state == .backingOff }
        #expect(try await g.row("p").nextRetryAt == g.t0 + 30_000 + 60_000)
        g.clock.advance(seconds: 60)
        try await g.waitUntil("attempt 3 recorded") { let row = try await g.row("p"); return row.attempts == 3 && row.state == .backingOff }
        #expect(try await g.row("p").nextRetryAt == g.t0 + 90_000 + 120_000)
        try await g.stop()
    }

    @Test("max attempts with on_exhausted slow: retried every slow interval and flagged")
    func exhaustedSlow() async throws {
        let g = try await gateway(
            "  p: { type: simulated, script: \"fail network\", reconnect: { max_attempts: 2, on_exhausted: slow, slow_interval: 30m } }")
        try await g.settle()
        g.clock.advance(seconds: 30)
        try await g.waitUntil("exhausted") { try await g.row("p").exhausted }
        let row = try await g.row("p")
        #expect(row.state == .backingOff && row.attempts == 2 && row.nextRetryAt == g.t0 + 30_000 + 1_800_000)
        #expect(try await g.kinds("p").last == .exhausted)
        try await g.stop()
    }

    @Test("max attempts with on_exhausted give_up: gave_up, out of the queue")
    func exhaustedGiveUp() async throws {
        let g = try await gateway(
            "  p: { type: simulated, script: \"fail network\", reconnect: { max_attempts: 2, on_exhausted: give_up } }",
            extra: "when_all_failed: stay")
        try await g.settle()
        g.clock.advance(seconds: 30)
        try await g.waitFor("p", .gaveUp)
        #expect(try await g.store.queue().isEmpty)
        try await g.stop()
    }

    @Test("not due yet: no attempt a millisecond early")
    func notDueYet() async throws {
        let g = try await gateway("  p: { type: simulated, script: \"fail network\" }")
        try await g.settle()
        g.clock.advance(millis: 29_999)
        try await g.settle()
        #expect(try await g.row("p").attempts == 1)
        g.clock.advance(millis: 1)
        try await g.waitUntil("attempt 2") { try await g.row("p").attempts == 2 }
        try await g.stop()
    }

    @Test("an empty queue: no attempts, and no busy loop — the idle watcher wakes only for its poll")
    func emptyQueueNoBusyLoop() async throws {
        let g = try await gateway("  p: { type: simulated, script: \"connect\" }")
        try await g.waitFor("p", .connected)
        try await g.settle()
        let before = await g.runner.watcherCounters()
        try await Task.sleep(for: .milliseconds(200))  // real time passes, the clock does not: nothing may run
        #expect(await g.runner.watcherCounters() == before)
        for _ in 0..<10 {
            g.clock.advance(seconds: 1)
            try await g.settle()
        }
        let after = await g.runner.watcherCounters()
        #expect(after.evaluations == before.evaluations, "nothing due, nothing changed: no evaluation")
        #expect(after.wakeups - before.wakeups <= 10, "one wake-up per poll interval at most")
        #expect(try await g.kinds("p").filter { $0 == .attemptStarted }.count == 1)
        try await g.stop()
    }

    @Test("an adapter that cannot be created: needs_attention with the reason, no crash loop")
    func adapterCannotBeCreated() async throws {
        struct Broken: AdapterMaking {
            struct Boom: Error, CustomStringConvertible { var description: String { "no such library: libtelegram" } }
            func makeAdapter(for platform: PlatformConfig, context: AdapterContext) async throws -> any PlatformAdapter {
                throw Boom()
            }
        }
        let g = try await gateway("  p: { type: simulated, script: \"connect\" }", extra: "when_all_failed: stay", factory: Broken())
        try await g.waitFor("p", .needsAttention)
        let row = try await g.row("p")
        #expect(row.lastErrorCode == "adapter_unavailable" && row.lastError?.contains("libtelegram") == true)
        g.clock.advance(seconds: 3_600)
        try await g.settle()
        #expect(try await g.kinds("p").filter { $0 == .attemptStarted }.count == 1)
        try await g.stop()
    }

    @Test("a retryable runtime disconnect is queued; the gateway keeps running and reconnects")
    func runtimeRetryable() async throws {
        let g = try await gateway("  p: { type: simulated, script: \"connect, drop after 10s, then fail network, then connect\" }")
        try await g.waitFor("p", .connected)
        try await g.settle()
        g.clock.advance(seconds: 10)
        try await g.waitUntil("the drop is recorded") { try await g.kinds("p").contains(.disconnected) }
        try await g.waitFor("p", .backingOff)
        #expect(try await g.row("p").nextRetryAt == g.t0 + 10_000 + 30_000, "not stable yet: the streak goes on, delay(1)")
        #expect(g.runner.outcome == nil, "the gateway did not stop")
        try await g.settle()
        g.clock.advance(seconds: 30)
        try await g.waitUntil("requeued after a failed reconnect") { let row = try await g.row("p"); return row.attempts == 2 && row.state == .backingOff }
        #expect(try await g.row("p").nextRetryAt == g.t0 + 40_000 + 60_000)
        try await g.settle()
        g.clock.advance(seconds: 60)
        try await g.waitFor("p", .connected)
        try await g.stop()
    }

    @Test("a non-retryable runtime disconnect is not queued")
    func runtimeNonRetryable() async throws {
        let g = try await gateway(
            "  p: { type: simulated, script: \"connect, drop after 10s with auth\" }", extra: "when_all_failed: stay")
        try await g.waitFor("p", .connected)
        try await g.settle()
        g.clock.advance(seconds: 10)
        try await g.waitFor("p", .needsAttention)
        #expect(try await g.store.queue().isEmpty)
        try await g.stop()
    }

    @Test("all down but queued: the gateway stays alive")
    func allDownButQueued() async throws {
        let g = try await gateway("  a: { type: simulated, script: \"fail network\" }\n  b: { type: simulated, script: \"fail server\" }")
        for _ in 0..<5 {
            try await g.settle()
            g.clock.advance(seconds: 300)
        }
        try await g.settle()
        #expect(g.runner.outcome == nil)
        #expect(try await g.store.queue().count == 2)
        try await g.stop()
    }

    @Test("every platform needing a human: when_all_failed exit ends the run with each platform's reason")
    func allNeedHumanExit() async throws {
        let g = try await gateway("  a: { type: simulated, script: \"fail auth\" }\n  b: { type: simulated, script: \"fail conflict\" }")
        _ = try await g.task.value
        guard case .nothingCanConnect(let rows)? = g.runner.outcome else {
            Issue.record("expected nothingCanConnect, got \(String(describing: g.runner.outcome))")
            return
        }
        #expect(rows.map(\.name) == ["a", "b"] && rows.allSatisfy { $0.state == .needsAttention })
        #expect(try await g.store.daemonLease() == nil, "the lease is released")
    }

    @Test("every platform needing a human: when_all_failed stay keeps running")
    func allNeedHumanStay() async throws {
        let g = try await gateway("  a: { type: simulated, script: \"fail auth\" }", extra: "when_all_failed: stay")
        try await g.waitFor("a", .needsAttention)
        try await g.settle()
        #expect(g.runner.outcome == nil)
        try await g.stop()
        #expect(g.runner.outcome == .stopped)
    }
}
