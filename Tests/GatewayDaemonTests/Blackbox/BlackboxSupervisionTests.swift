import Foundation
import Testing

/// Supervision's configuration in the built binary: the login budget paces a herd (event `paced`), `probe: off` is
/// honoured beside a probed endpoint, the default slow cadence after max attempts is 5 minutes, and a bad `probe`
/// value is refused at load naming its key.
@Suite("Black box: login pacing, probe: off, the slow cadence")
struct BlackboxSupervisionTests {
    static func json(_ text: String) -> [String: Any] {
        ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]) ?? [:]
    }

    @Test("25 simulated platforms: 20 log in, 5 wait for a slot (paced) and follow; probe: off is never probed; slow cadence 5 min")
    func pacingAndProbeOff() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let (off, on) = (try closedLoopbackPort(), try closedLoopbackPort())
        setenv("BB_SUPERVISION_TG", telegramTestToken, 1)
        let herd = (0..<25).map { String(format: "  p%02d: { type: simulated, script: connect }", $0) }.joined(separator: "\n")
        let config = try gw.config("""
            when_all_failed: stay
            reconnect: { jitter: 0 }
            platforms:
            \(herd)
              quiet: { type: telegram, token: ${BB_SUPERVISION_TG}, api_base: "http://127.0.0.1:\(off)", reconnect: { probe: off, max_attempts: 1 } }
              probed: { type: telegram, token: ${BB_SUPERVISION_TG}, api_base: "http://127.0.0.1:\(on)" }
            """)
        let daemon = try gw.daemon(config)
        let db = ["--db", gw.db]
        func status() async throws -> [String: Any] { Self.json(try await gw.run(["status", "--json"] + db).stdout) }
        func platforms() async throws -> [[String: Any]] { (try await status()["platforms"] as? [[String: Any]]) ?? [] }
        try await waitUntil("the herd is connected", timeout: .seconds(30), every: .milliseconds(100)) {
            try await platforms().filter { ($0["name"] as? String)?.hasPrefix("p") == true && $0["state"] as? String == "connected" }.count == 25
        }
        let late = try await gw.run(["events", "p24"] + db).stdout
        #expect(late.contains("paced") && late.contains("waiting for a login slot on type:simulated (budget: 20 logins per 1s)"), "\(late)")
        #expect(try await !gw.run(["events", "p00"] + db).stdout.contains("paced"), "the first 20 went at once")

        try await waitUntil("the probed endpoint was probed", timeout: .seconds(30), every: .milliseconds(100)) {
            let endpoints = (try await status()["endpoints"] as? [[String: Any]]) ?? []
            return endpoints.contains { $0["endpoint"] as? String == "tcp://127.0.0.1:\(on)" && ($0["probes"] as? Int ?? 0) >= 1 }
        }
        let endpoints = (try await status()["endpoints"] as? [[String: Any]]) ?? []
        let quietEndpoint = try #require(endpoints.first { $0["endpoint"] as? String == "tcp://127.0.0.1:\(off)" })
        #expect(quietEndpoint["probes"] as? Int == 0 && quietEndpoint["reachable"] is NSNull, "probe: off: \(quietEndpoint)")

        let quiet = try #require(try await platforms().first { $0["name"] as? String == "quiet" })
        #expect(quiet["state"] as? String == "backing_off" && quiet["exhausted"] as? Bool == true, "\(quiet)")
        let wait = (quiet["next_retry_at"] as? Int ?? 0) - (quiet["state_changed_at"] as? Int ?? 0)
        #expect(wait == 300_000, "the default slow_interval is 5m: \(wait) ms")
        daemon.kill(SIGTERM)
        #expect(await daemon.finished().status == 0)
    }

    @Test("probe below 500ms is refused at load, naming reconnect.probe; exit 78, no database")
    func badProbe() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let config = try gw.config("reconnect: { probe: 100ms }\nplatforms:\n  a: { type: simulated, script: connect }\n")
        let run = try await gw("run", "--config", config.path, "--db", gw.db)
        #expect(run.status == 78 && run.stderr.contains("reconnect.probe") && run.stderr.contains("at least 500ms"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: gw.db))
    }
}
