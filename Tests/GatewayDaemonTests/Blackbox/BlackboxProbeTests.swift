import Foundation
import Testing

/// The reachability probe in the built binary: a real `gatewayd run` whose Telegram endpoint refuses connections,
/// then accepts them. The probe (a real TCP connect) sees it come back and pulls the platform forward: it connects
/// long before its 5-minute backoff, and `status --json` shows what the probe saw.
@Suite("Black box: the reachability probe brings a platform back after its endpoint returns")
struct BlackboxProbeTests {
    @Test("refused, probed, server back: connected again after one more attempt, not after the backoff; status shows the probes")
    func probeBringsItBack() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let telegram = try await TelegramTestServer.start(token: telegramTestToken)
        await telegram.stop()  // its port now refuses; start() listens on it again
        setenv("BB_PROBE_TG", telegramTestToken, 1)
        let config = try gw.config("""
            when_all_failed: stay
            reconnect: { base: 5m, cap: 10m, probe: 1s }
            platforms:
              tg: { type: telegram, token: ${BB_PROBE_TG}, api_base: "\(telegram.apiBase)", poll_timeout: 1s }
            """)
        let daemon = try gw.daemon(config, arguments: ["--http", "127.0.0.1:0"])
        let base = "http://127.0.0.1:\(try await daemon.httpPort())"
        let db = ["--db", gw.db]
        /// The `status --json` document (empty until the daemon has created the database).
        func status() async throws -> [String: Any] {
            let out = try await gw.run(["status", "--json"] + db).stdout
            return (try? JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]) ?? [:]
        }
        func endpoint() async throws -> [String: Any]? { (try await status()["endpoints"] as? [[String: Any]])?.first }
        func platform() async throws -> [String: Any]? { (try await status()["platforms"] as? [[String: Any]])?.first }
        try await waitUntil("two probes found the endpoint unreachable", every: .milliseconds(100)) {
            let probe = try await endpoint()
            return probe?["reachable"] as? Bool == false && (probe?["probes"] as? Int ?? 0) >= 2
        }
        let down = try #require(try await endpoint())
        #expect(down["endpoint"] as? String == "tcp://127.0.0.1:\(telegram.port)")
        #expect(down["platforms"] as? [String] == ["tg"])
        #expect((down["last_error"] as? String)?.hasPrefix("refused: connection refused by 127.0.0.1:\(telegram.port)") == true)
        let queued = try #require(try await platform())
        #expect(queued["state"] as? String == "backing_off" && queued["attempts"] as? Int == 1)
        #expect(queued["endpoint"] as? String == "tcp://127.0.0.1:\(telegram.port)")
        let table = try await gw.run(["status"] + db).stdout
        #expect(table.contains("probe tcp://127.0.0.1:\(telegram.port): unreachable since"), "\(table)")
        let address = "tcp://127.0.0.1:\(telegram.port)"
        let served = try await http(.GET, "\(base)/v1/status")
        #expect(served.status == 200 && served.body.contains("\"endpoints\"") && served.body.contains(address), "\(served.body)")
        let metrics = try await http(.GET, "\(base)/metrics").body
        #expect(metrics.contains(#"gatewayd_probes_total{endpoint="\#(address)",result="unreachable"}"#), "\(metrics)")
        #expect(metrics.contains(#"gatewayd_endpoint_reachable{endpoint="\#(address)"} 0"#))

        try await telegram.start()
        // Bounded only so a broken build ends: without the probe the next attempt is 4–6 minutes away.
        try await waitUntil("tg is connected again", timeout: .seconds(60), every: .milliseconds(100)) {
            try await platform()?["state"] as? String == "connected"
        }
        let back = try #require(try await endpoint())
        #expect(back["reachable"] as? Bool == true && back["came_back_at"] is Int)
        #expect(try await platform()?["attempts"] as? Int == 2, "one attempt after the probe, no login by the probe")
        let events = try await gw.run(["events", "tg"] + db).stdout
        #expect(events.contains("pulled_forward") && events.contains("reachable again (probe)"), "\(events)")
        #expect(await telegram.state.calls["getMe"] == 1, "the probe never called the API; only the second attempt did")
        let after = try await http(.GET, "\(base)/metrics").body
        #expect(after.contains(#"gatewayd_probe_pulled_forward_total{endpoint="\#(address)"} 1"#), "\(after)")
        #expect(after.contains(#"gatewayd_endpoint_reachable{endpoint="\#(address)"} 1"#))
        daemon.kill(SIGTERM)
        let end = await daemon.finished()
        #expect(end.status == 0)
        #expect(end.stderr.contains("endpoint reachable again"), "logged once")
        await telegram.stop()
    }
}
