import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime

/// The wall clock jumping while the daemon runs, on the manual clock. (Across restarts: RestartSafetyTests. libfaketime
/// on the real binary was tried and is not usable with it: see RELIABILITY.md.)
@Suite("Bad environments: the clock jumps while running")
struct BadEnvironmentClockTests {
    static let yaml = """
        reconnect: { base: 60s, factor: 1, cap: 60s, jitter: 0 }
        when_all_failed: stay
        platforms:
          a: { type: simulated, script: "fail network" }
        """

    @Test("moved back a day while running: the queued wait is shortened at once (not a day longer), the heartbeat rewritten")
    func movedBackWhileRunning() async throws {
        let g = try await Harness(Self.yaml)
        try await g.waitUntil("a failed once") { try await g.store.platform("a")?.attempts == 1 }
        try await g.settle()
        let before = try await g.row("a")
        let waitBefore = try #require(before.nextRetryAt) - g.clock.nowMillis()
        #expect(waitBefore == 60_000)

        g.clock.advance(millis: -86_400_000)
        g.runner.nudge()  // the real clock's 1 s poll; a manual clock moved back wakes no sleeper by itself
        try await g.waitUntil("the wait is shortened") {
            try await g.row("a").nextRetryAt.map { $0 - g.clock.nowMillis() <= 60_000 } ?? false
        }
        let row = try await g.row("a")
        let wait = try #require(row.nextRetryAt) - g.clock.nowMillis()
        #expect(wait >= 0 && wait <= 60_000, "never longer than the policy's wait (\(wait) ms)")
        #expect(try await g.kinds("a").contains(.clockAdjusted))
        #expect(row.attempts == 1, "shortened, not fired: no storm")
        let lease = try #require(try await g.store.daemonLease())
        #expect(lease.heartbeatAt <= g.clock.nowMillis(), "no heartbeat left in the future to look fresh")

        try await g.settle()
        g.clock.advance(millis: wait)
        try await g.waitUntil("a is attempted on the shortened schedule") { try await g.row("a").attempts == 2 }
        try await g.stop()
    }

    @Test("moved forward a day while running: the due row is attempted once, then waits its policy again (no storm)")
    func movedForwardWhileRunning() async throws {
        let g = try await Harness(Self.yaml)
        try await g.waitUntil("a failed once") { try await g.store.platform("a")?.attempts == 1 }
        try await g.settle()
        g.clock.advance(millis: 86_400_000)
        try await g.waitUntil("a is attempted again") { try await g.row("a").attempts == 2 }
        try await g.settle()
        let row = try await g.row("a")
        #expect(row.attempts == 2, "one attempt for the whole day skipped")
        #expect(row.nextRetryAt == g.clock.nowMillis() + 60_000)
        try await g.stop()
    }
}
