import GatewayCore
import Testing

@testable import GatewayStore

@Suite("Store: endpoints, probes and paced claims")
struct EndpointStoreTests {
    /// Rows "a1", "a2" on endpoint A, "b1" on B, "n" on none; all fail with a network error, except `auth` ones.
    private func seed(_ store: Store, policy: BackoffPolicy = BackoffPolicy(baseMillis: 300_000, capMillis: 600_000, jitter: 0)) async throws {
        try await store.startup(configured: [
            PlatformSpec(name: "a1", type: "telegram", policy: policy, endpoint: "tls://a:443"),
            PlatformSpec(name: "a2", type: "telegram", policy: policy, endpoint: "tls://a:443"),
            PlatformSpec(name: "b1", type: "irc", policy: policy, endpoint: "tcp://b:6667"),
            PlatformSpec(name: "n", type: "simulated", policy: policy),
        ])
        _ = try await store.claimDue(owner: "d")
        for name in ["a1", "a2", "b1", "n"] {
            try await store.recordFailure(name, owner: "d", failure: networkFailure())
        }
    }

    @Test("the endpoint is stored from the configuration and follows it")
    func endpointColumn() async throws {
        try await withStore { store, _, _ in
            try await store.startup(configured: [PlatformSpec(name: "a", type: "irc", endpoint: "tcp://x:1")])
            #expect(try await store.platform("a")?.endpoint == "tcp://x:1")
            try await store.startup(configured: [PlatformSpec(name: "a", type: "irc", endpoint: "tcp://y:2")])
            #expect(try await store.platform("a")?.endpoint == "tcp://y:2")
            try await store.startup(configured: [PlatformSpec(name: "a", type: "irc")])
            #expect(try await store.platform("a")?.endpoint == nil)
        }
    }

    @Test("which endpoints have a platform waiting after a network failure (an auth failure does not count)")
    func networkWait() async throws {
        try await withStore { store, _, _ in
            try await seed(store)
            #expect(try await store.endpointsWithNetworkWait(["tls://a:443", "tcp://b:6667", "tcp://c:1"]) == ["tls://a:443", "tcp://b:6667"])
            try await store.retryNow("b1", actor: .operator("x"))
            _ = try await store.claimDue(owner: "d")
            try await store.recordFailure("b1", owner: "d", failure: PlatformFailure(.auth, code: "464", message: "bad password"))
            #expect(try await store.endpointsWithNetworkWait(["tls://a:443", "tcp://b:6667"]) == ["tls://a:443"])
        }
    }

    @Test("pulling an endpoint forward moves only its network rows, within the window, never before a not-before")
    func pullForwardOneEndpoint() async throws {
        try await withStore { store, clock, _ in
            try await seed(store)
            let now = clock.nowMillis()
            #expect(try await store.pullForward(endpoint: "tls://a:443", windowMillis: 1_000, reason: "back") == 2)
            for name in ["a1", "a2"] {
                let row = try #require(try await store.platform(name))
                #expect(row.nextRetryAt! >= now && row.nextRetryAt! <= now + 1_000)
                #expect(try await store.events(platform: name).last?.kind == .pulledForward)
            }
            #expect(try await store.platform("b1")?.nextRetryAt == now + 300_000)
            #expect(try await store.platform("n")?.nextRetryAt == now + 300_000)
            #expect(try await store.pullForward(endpoint: "tls://a:443", windowMillis: 1_000, reason: "again") == 0)
        }
    }

    @Test("a probe row: unreachable since the first failure, came back when it is reachable again")
    func probeRows() async throws {
        try await withStore { store, clock, _ in
            let t0 = clock.nowMillis()
            var row = try await store.recordProbe("tls://a:443", result: .unreachable(reason: "refused: connection refused"))
            #expect(!row.reachable && row.unreachableSince == t0 && row.probes == 1 && row.cameBackAt == nil)
            clock.advance(seconds: 3)
            row = try await store.recordProbe("tls://a:443", result: .unreachable(reason: "dns: cannot resolve a"))
            #expect(row.unreachableSince == t0 && row.lastError == "dns: cannot resolve a" && row.probes == 2)
            clock.advance(seconds: 3)
            row = try await store.recordProbe("tls://a:443", result: .reachable)
            #expect(row.reachable && row.cameBackAt == t0 + 6_000 && row.unreachableSince == nil && row.lastError == nil)
            #expect(try await store.endpointProbes() == [row])
        }
    }

    /// Lets the first `free` names go, and gives every other one the slot `at`.
    struct FixedGate: LoginGate {
        let free: Set<String>
        let at: Int64
        func slot(for platform: String, now: Int64) -> LoginSlotGrant {
            LoginSlotGrant(start: free.contains(platform) ? now : at, detail: "waiting for a login slot on e")
        }
        func holdsSlot(for platform: String, now: Int64) -> Bool { !free.contains(platform) && at > now }
    }

    @Test("a due row given a later slot is rescheduled to it (event paced), not claimed")
    func pacedClaim() async throws {
        try await withStore { store, clock, _ in
            try await store.startup(configured: ["a", "b", "c"].map { PlatformSpec(name: $0, type: "irc") })
            let now = clock.nowMillis()
            let claimed = try await store.claimDue(owner: "d", gate: FixedGate(free: ["a"], at: now + 2_000))
            #expect(claimed.map(\.name) == ["a"])
            for name in ["b", "c"] {
                let row = try #require(try await store.platform(name))
                #expect(row.state == .backingOff && row.nextRetryAt == now + 2_000 && row.attempts == 0)
                let event = try #require(try await store.events(platform: name).last)
                #expect(event.kind == .paced && event.detail == "waiting for a login slot on e")
            }
        }
    }
}
