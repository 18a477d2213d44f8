import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime

/// What the seed could not do: concurrency, server waits, stable reset, pull-forward, operator wake-ups.
@Suite("Beyond the seed")
struct BeyondSeedTests {
    @Test("one hung connect does not delay another platform's reconnect")
    func hungConnectBlocksNobody() async throws {
        let g = try await Harness("""
            reconnect: { base: 30s, jitter: 0, connect_timeout: 60s }
            platforms:
              stuck: { type: simulated, script: "hang, then connect" }
              other: { type: simulated, script: "fail network, then connect" }
            """)
        try await g.settle(ignoring: ["stuck"])
        #expect(try await g.row("stuck").state == .connecting)
        g.clock.advance(seconds: 30)
        try await g.waitFor("other", .connected)
        #expect(try await g.row("stuck").state == .connecting, "still hung, and it blocked nobody")
        g.clock.advance(seconds: 30)  // the hung attempt hits its connect timeout
        try await g.waitFor("stuck", .backingOff)
        let stuck = try await g.row("stuck")
        #expect(stuck.lastErrorCode == "timeout" && stuck.lastError == "connect timed out after 1m")
        #expect(stuck.nextRetryAt == g.t0 + 60_000 + 30_000)
        try await g.stop()
    }

    @Test("a server retry-after pushes the next attempt past the backoff")
    func retryAfterPushes() async throws {
        let g = try await Harness("""
            reconnect: { base: 30s, jitter: 0 }
            platforms:
              p: { type: simulated, script: "retry-after 10m, then connect" }
            """)
        try await g.settle()
        let row = try await g.row("p")
        #expect(row.lastErrorClass == .rateLimited && row.nextRetryAt == g.t0 + 600_000 && row.notBefore == g.t0 + 600_000)
        g.clock.advance(seconds: 599)
        try await g.settle()
        #expect(try await g.row("p").attempts == 1)
        g.clock.advance(seconds: 1)
        try await g.waitFor("p", .connected)
        try await g.stop()
    }

    @Test("backoff resets after the stable period, and not before")
    func stableReset() async throws {
        let g = try await Harness("""
            reconnect: { base: 30s, jitter: 0, stable_period: 10m }
            platforms:
              p: { type: simulated, script: "fail network x2, then connect" }
            """)
        try await g.settle()
        g.clock.advance(seconds: 30)
        try await g.settle()
        g.clock.advance(seconds: 60)
        try await g.waitFor("p", .connected)
        try await g.settle()
        #expect(try await g.row("p").attempts == 3)
        g.clock.advance(seconds: 599)
        try await g.settle()
        #expect(try await g.row("p").attempts == 3)
        g.clock.advance(seconds: 1)
        try await g.waitUntil("the streak is forgiven") { try await g.row("p").attempts == 0 }
        #expect(try await g.kinds("p").last == .stable)
        try await g.stop()
    }

    @Test("when one platform comes back, the other network-class rows are pulled forward")
    func networkBackPullForward() async throws {
        let g = try await Harness("""
            reconnect: { base: 30s, jitter: 0 }
            platforms:
              fast: { type: simulated, script: "fail network, then connect" }
              slow: { type: simulated, script: "fail network, then connect", reconnect: { base: 5m, cap: 10m } }
            """)
        try await g.settle()
        #expect(try await g.row("slow").nextRetryAt == g.t0 + 300_000)
        g.clock.advance(seconds: 30)
        try await g.waitFor("fast", .connected)
        let pulled = try #require(try await g.row("slow").nextRetryAt)
        #expect(pulled >= g.t0 + 30_000 && pulled <= g.t0 + 35_000, "due within the 5 s pull-forward window")
        #expect(try await g.kinds("slow").contains(.pulledForward))
        g.clock.advance(seconds: 5)
        try await g.waitFor("slow", .connected)
        try await g.stop()
    }

    @Test("an operator retry from another process wakes the watcher within one poll")
    func operatorRetryWakes() async throws {
        let g = try await Harness("""
            reconnect: { base: 5m, cap: 10m, jitter: 0 }
            platforms:
              p: { type: simulated, script: "fail network, then connect" }
            """)
        try await g.settle()
        // A second connection to the same file, as `gatewayd retry p` in another process would open.
        let operatorStore = try Store(path: g.path, clock: g.clock)
        try await operatorStore.retryNow("p", actor: .operator("alice"))
        g.clock.advance(seconds: 1)  // the data_version poll
        try await g.waitFor("p", .connected)
        #expect(try await g.store.events(platform: "p").contains { $0.kind == .retryNow && $0.actor == "operator:alice" })
        try await g.stop()
    }

    @Test("an operator pause from another process closes the live connection; resume reconnects")
    func operatorPauseCloses() async throws {
        let g = try await Harness("""
            reconnect: { base: 30s, jitter: 0 }
            when_all_failed: stay
            platforms:
              p: { type: simulated, script: "connect" }
            """)
        try await g.waitFor("p", .connected)
        try await g.settle()
        let operatorStore = try Store(path: g.path, clock: g.clock)
        try await operatorStore.pause("p", actor: .operator("bob"))
        g.clock.advance(seconds: 1)
        try await g.waitUntil("the connection is closed") {
            await #expect(throws: DeliveryError.self) { try await g.runner.router.send(OutgoingMessage(target: "x", text: "y"), on: "p") }
            return true
        }
        try await operatorStore.resume("p", actor: .operator("bob"))
        g.clock.advance(seconds: 1)
        try await g.waitFor("p", .connected)
        try await g.stop()
    }

    @Test("graceful shutdown records every connection as stopped and releases the lease")
    func gracefulShutdown() async throws {
        let g = try await Harness("""
            reconnect: { base: 30s, jitter: 0 }
            platforms:
              up: { type: simulated, script: "connect" }
              down: { type: simulated, script: "fail network" }
            """)
        try await g.waitFor("up", .connected)
        try await g.settle()
        try await g.stop()
        #expect(g.runner.outcome == .stopped)
        let up = try await g.row("up")
        #expect(up.state == .backingOff && up.nextRetryAt == g.clock.nowMillis() && up.attempts == 1)
        #expect(try await g.row("down").nextRetryAt == g.t0 + 30_000, "the queue is untouched")
        #expect(try await g.store.daemonLease() == nil)
        #expect(try await g.store.integrityCheck() == ["ok"])
    }
}
