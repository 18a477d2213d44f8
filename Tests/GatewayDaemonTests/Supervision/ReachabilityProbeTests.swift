import Foundation
import GatewayCore
import GatewayStore
import Testing

@testable import GatewayRuntime

/// The reachability probe's rules, on the manual clock with a probe the test controls (FakeProbing).
@Suite("Reachability probe")
struct ReachabilityProbeTests {
    static let a = Endpoint(host: "a.example", port: 443, tls: true)
    static let b = Endpoint(host: "b.example", port: 6667, tls: false)

    /// Advances the clock by `millis` in steps of at most `step`, letting the gateway settle after each.
    private func advance(_ g: Harness, millis: Int64, step: Int64 = 500) async throws {
        var left = millis
        while left > 0 {
            let move = min(step, left)
            g.clock.advance(millis: move)
            left -= move
            try await g.settle()
        }
    }

    @Test("probes only while a platform waits after a network failure, at once and then every interval; never logs in")
    func cadence() async throws {
        let probing = FakeProbing(["net": Self.a, "auth": Self.b, "up": Self.b])
        let g = try await Harness("""
            reconnect: { base: 5m, cap: 10m, jitter: 0, probe: 3s }
            platforms:
              net: { type: simulated, script: "fail network, then connect" }
              auth: { type: simulated, script: "fail auth" }
              up: { type: simulated, script: "connect" }
            """, probing: probing)
        try await g.settle()
        #expect(probing.probes(Self.a) == 1, "probed at once when net started waiting")
        #expect(probing.probes(Self.b) == 0, "an auth failure and a connected platform are not probed")
        // Jittered ±20 %: the next probe is due 2.4–3.6 s after the last.
        try await advance(g, millis: 2_300)
        #expect(probing.probes(Self.a) == 1)
        try await advance(g, millis: 1_400)
        #expect(probing.probes(Self.a) == 2)
        try await advance(g, millis: 36_000)
        let probes = probing.probes(Self.a)
        #expect((12...17).contains(probes), "every 3 s ± 20 % over 39.7 s: \(probes)")
        #expect(try await g.row("net").attempts == 1, "no probe logged in: the only attempt is the first")
        #expect(try await g.row("net").nextRetryAt == g.t0 + 300_000, "unreachable: nothing pulled forward")
        #expect(probing.probes(Self.b) == 0)
        let row = try #require(try await g.store.endpointProbes().first)
        #expect(row.endpoint == Self.a.description && !row.reachable && row.probes == probes)
        try await g.stop()
    }

    @Test("at most one probe in flight per endpoint, however many platforms wait on it")
    func oneInFlight() async throws {
        let probing = FakeProbing(["p1": Self.a, "p2": Self.a, "p3": Self.a])
        probing.hangProbes()
        let g = try await Harness("""
            reconnect: { base: 5m, cap: 10m, jitter: 0, probe: 1s }
            platforms:
              p1: { type: simulated, script: "fail network, then connect" }
              p2: { type: simulated, script: "fail network, then connect" }
              p3: { type: simulated, script: "fail network, then connect" }
            """, probing: probing)
        try await g.waitUntil("three platforms wait") {
            try await g.store.platforms().allSatisfy { $0.state == .backingOff }
        }
        try await g.waitUntil("the probe started") { probing.probes(Self.a) == 1 }
        for _ in 0..<20 {
            g.clock.advance(millis: 1_000)
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(probing.probes(Self.a) == 1, "the hung probe is the only one")
        probing.release()
        try await g.settle()
        try await advance(g, millis: 1_300)
        #expect(probing.probes(Self.a) == 2, "the next starts an interval after the hung one ended")
        try await g.stop()
    }

    @Test("unreachable, then reachable: the endpoint's waiting platforms are pulled forward and connect within seconds")
    func cameBack() async throws {
        let probing = FakeProbing(["p": Self.a, "q": Self.a])
        let g = try await Harness("""
            reconnect: { base: 5m, cap: 10m, jitter: 0, probe: 3s }
            platforms:
              p: { type: simulated, script: "fail network, then connect" }
              q: { type: simulated, script: "fail network, then connect" }
            """, probing: probing)
        try await g.settle()
        try await advance(g, millis: 60_000)  // a minute of outage
        #expect(try await g.row("p").state == .backingOff)
        probing.set(Self.a, reachable: true)
        let back = g.clock.nowMillis()
        try await advance(g, millis: 5_000, step: 100)
        for name in ["p", "q"] {
            let row = try await g.row(name)
            #expect(row.state == .connected && row.attempts == 2)
            #expect(try await g.kinds(name).contains(.pulledForward))
            let connected = try #require(try await g.store.events(platform: name).last { $0.kind == .connected })
            #expect(connected.at - back <= 3_600 + 1_000, "a probe interval plus the pull-forward window")
        }
        let probe = try #require(try await g.store.endpointProbes().first { $0.endpoint == Self.a.description })
        #expect(probe.reachable && probe.cameBackAt != nil)
        try await g.stop()
    }

    @Test("a probe that succeeds from the first says nothing: no pull-forward (the failure was not the network path)")
    func reachableFromTheStart() async throws {
        let probing = FakeProbing(["p": Self.a])
        probing.set(Self.a, reachable: true)
        let g = try await Harness("""
            reconnect: { base: 5m, cap: 10m, jitter: 0, probe: 3s }
            platforms:
              p: { type: simulated, script: "fail network, then connect" }
            """, probing: probing)
        try await g.settle()
        try await advance(g, millis: 80_000)
        #expect(probing.probes(Self.a) >= 3)
        let row = try await g.row("p")
        #expect(row.state == .backingOff && row.nextRetryAt == g.t0 + 300_000)
        #expect(try await !g.kinds("p").contains(.pulledForward))
        try await g.stop()
    }

    @Test("a reachable endpoint is probed at a tenth of the rate; once a probe fails, at the full rate again")
    func reachableSlowsDown() async throws {
        let probing = FakeProbing(["p": Self.a])
        probing.set(Self.a, reachable: true)
        let g = try await Harness("""
            reconnect: { base: 5m, cap: 10m, jitter: 0, probe: 3s }
            platforms:
              p: { type: simulated, script: "fail network, then connect" }
            """, probing: probing)
        try await g.settle()
        #expect(probing.probes(Self.a) == 1, "probed at once")
        // Reachable: the next is due 24–36 s later (10 intervals ± 20 %), not 2.4–3.6 s.
        try await advance(g, millis: 23_500)
        #expect(probing.probes(Self.a) == 1, "a reachable endpoint waits ten intervals")
        probing.set(Self.a, reachable: false)
        var waited: Int64 = 0
        while probing.probes(Self.a) < 2, waited < 13_000 {
            try await advance(g, millis: 500)
            waited += 500
        }
        #expect(probing.probes(Self.a) == 2, "the second probe, 24–36 s after the first, found it unreachable")
        // Unreachable: the next is due 2.4–3.6 s later (at the slow rate it would be 24–36 s).
        try await advance(g, millis: 4_000)
        let probes = probing.probes(Self.a)
        #expect(probes >= 3, "every 3 s ± 20 % once unreachable: \(probes)")
        try await g.stop()
    }

    @Test("an exhausted platform on the slow cadence comes back within seconds of the network's return")
    func exhaustedRecovers() async throws {
        let probing = FakeProbing(["p": Self.a])
        let g = try await Harness("""
            reconnect: { base: 30s, jitter: 0, max_attempts: 1, slow_interval: 30m, probe: 3s }
            platforms:
              p: { type: simulated, script: "fail network, then connect" }
            """, probing: probing)
        try await g.settle()
        let row = try await g.row("p")
        #expect(row.exhausted && row.nextRetryAt == g.t0 + 1_800_000)
        try await advance(g, millis: 10_000)
        probing.set(Self.a, reachable: true)
        try await advance(g, millis: 5_000, step: 100)
        #expect(try await g.row("p").state == .connected, "not 30 minutes later")
        try await g.stop()
    }

    @Test("probe: off on every platform of an endpoint: never probed")
    func probeOff() async throws {
        let probing = FakeProbing(["p": Self.a])
        let g = try await Harness("""
            reconnect: { base: 5m, jitter: 0 }
            platforms:
              p: { type: simulated, script: "fail network, then connect", reconnect: { probe: off } }
            """, probing: probing)
        try await g.settle()
        try await advance(g, millis: 20_000)
        #expect(probing.probes(Self.a) == 0)
        try await g.stop()
    }
}
