import Foundation
import GatewayStore
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime

/// The loopback HTTP face, in-process.
@Suite("HTTP face")
struct HTTPTests {
    /// A store with three platforms in known states, a lease with a watcher heartbeat, and a source over it.
    func fixture(_ body: (StatusSource, ManualClock, Store) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appending(path: "gatewayd-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = ManualClock()
        let store = try Store(path: dir.appending(path: "g.db").path, clock: clock, random: SplitMix64(seed: 1))
        let policy = BackoffPolicy(jitter: 0)
        try await store.startup(configured: ["up", "down", "bad"].map { PlatformSpec(name: $0, type: "simulated", policy: policy) })
        _ = try await store.claimDue(owner: "d")
        try await store.recordSuccess("up", owner: "d")
        try await store.recordFailure("down", owner: "d", failure: PlatformFailure(.network, message: "connection refused"))
        try await store.recordFailure("bad", owner: "d", failure: PlatformFailure(.auth, code: "401", message: "Unauthorized"))
        try await store.acquireDaemonLease(DaemonIdentity(owner: "d", pid: 42, host: "box")) { _ in true }
        try await store.heartbeat(owner: "d", watcher: true)
        let readiness = Readiness()
        readiness.markReady()
        let source = StatusSource(store: store, metrics: GatewayMetrics(), clock: clock, stallAfterMillis: 30_000, readiness: readiness)
        try await body(source, clock, store)
    }

    func app(_ source: StatusSource, token: Secret? = nil) -> some ApplicationProtocol {
        Application(router: StatusRoutes.router(source: source, token: token))
    }

    @Test("/healthz is 200 while the watcher heartbeat is fresh, 503 once it is stale")
    func healthz() async throws {
        try await fixture { source, clock, _ in
            try await app(source).test(.router) { client in
                try await client.execute(uri: "/healthz", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body).contains("\"status\" : \"ok\""))
                }
                clock.advance(seconds: 31)
                try await client.execute(uri: "/healthz", method: .get) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(String(buffer: response.body).contains("stalled"))
                }
            }
        }
    }

    @Test("/readyz follows startup")
    func readyz() async throws {
        try await fixture { source, _, _ in
            try await app(source).test(.router) { client in
                try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
                source.readiness.markNotReady()
                try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .serviceUnavailable) }
            }
        }
    }

    @Test("/v1/status: every platform with state, attempts, next retry, error, and the queue depth")
    func status() async throws {
        try await fixture { source, _, _ in
            try await app(source).test(.router) { client in
                try await client.execute(uri: "/v1/status", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "application/json")
                    let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                    #expect(Set(object.keys) == ["daemon", "platforms", "endpoints", "queues"])
                    #expect((object["queues"] as? [String: Any])?["reconnect"] as? Int == 1)
                    let platforms = try #require(object["platforms"] as? [[String: Any]])
                    #expect(platforms.map { $0["name"] as? String } == ["bad", "down", "up"])
                    let down = platforms[1]
                    #expect(down["state"] as? String == "backing_off" && down["last_error_class"] as? String == "network")
                    #expect(down["next_retry_in_s"] as? Int == 30)
                    #expect(platforms[0]["state"] as? String == "needs_attention")
                }
            }
        }
    }

    @Test("/metrics: Prometheus text with the documented names")
    func metrics() async throws {
        try await fixture { source, _, store in
            for event in try await store.events(limit: 100) { source.metrics.record(event) }
            try await app(source).test(.router) { client in
                try await client.execute(uri: "/metrics", method: .get) { response in
                    #expect(response.status == .ok)
                    let text = String(buffer: response.body)
                    for line in [
                        #"gatewayd_platform_up{platform="up"} 1"#, #"gatewayd_platform_up{platform="down"} 0"#,
                        #"gatewayd_platform_state{platform="bad",state="needs_attention"} 1"#,
                        #"gatewayd_platform_attempts{platform="down"} 1"#,
                        #"gatewayd_platform_next_retry_seconds{platform="down"} 30"#,
                        "gatewayd_reconnect_queue_depth 1",
                        #"gatewayd_failures_total{platform="down",class="network"} 1"#,
                        #"gatewayd_failures_total{platform="bad",class="auth"} 1"#,
                        #"gatewayd_connects_total{platform="up"} 1"#,
                    ] {
                        #expect(text.contains(line), "missing \(line) in:\n\(text)")
                    }
                    #expect(text.contains("gatewayd_watcher_heartbeat_age_seconds"))
                }
            }
        }
    }

    @Test("a bearer token guards every route; the page also accepts ?token=")
    func bearerToken() async throws {
        try await fixture { source, _, _ in
            try await app(source, token: Secret("s3cret-http-token")).test(.router) { client in
                for uri in ["/healthz", "/v1/status", "/metrics", "/"] {
                    try await client.execute(uri: uri, method: .get) { #expect($0.status == .unauthorized, "\(uri)") }
                }
                try await client.execute(uri: "/v1/status", method: .get, headers: [.authorization: "Bearer wrong"]) {
                    #expect($0.status == .unauthorized)
                }
                try await client.execute(uri: "/v1/status", method: .get, headers: [.authorization: "Bearer s3cret-http-token"]) {
                    #expect($0.status == .ok)
                }
                try await client.execute(uri: "/?token=s3cret-http-token", method: .get) { #expect($0.status == .ok) }
            }
        }
    }

    @Test("the status page: a row per platform and SVG timeline spans")
    func page() async throws {
        try await fixture { source, clock, _ in
            clock.advance(seconds: 3_600)  // an hour of history to draw
            try await app(source).test(.router) { client in
                try await client.execute(uri: "/", method: .get) { response in
                    #expect(response.status == .ok)
                    let html = String(buffer: response.body)
                    #expect(html.contains("<svg id=\"timeline\""))
                    #expect(html.contains("data-platform=\"up\" data-state=\"connected\""))
                    #expect(html.contains("data-platform=\"bad\" data-state=\"needs_attention\""))
                    #expect(html.contains("<span class=\"badge backing-off\">backing_off</span>"))
                }
            }
        }
    }
}
