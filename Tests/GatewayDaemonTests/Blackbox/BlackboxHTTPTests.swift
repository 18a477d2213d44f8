import Foundation
import GatewayStore
import Testing

/// Every endpoint the README documents, on a real `gatewayd run --http 127.0.0.1:0`, as a bot or an operator uses it.
@Suite("Black box: the HTTP face of gatewayd run", .serialized)
struct BlackboxHTTPTests {
    static func yaml(sentLog: String) -> String {
        """
        reconnect: { base: 1s, factor: 1, cap: 1s, jitter: 0, connect_timeout: 5s }
        when_all_failed: stay
        platforms:
          up:   { type: simulated, script: "connect", sent_log: "\(sentLog)" }
          down: { type: simulated, script: "fail network" }
        """
    }

    @Test(
        "health, readiness, status, metrics and the page answer; POST /v1/messages queues and sends, single and batch",
        arguments: BlackboxBackend.available)
    func endpoints(backend: BlackboxBackend) async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let sentLog = gw.dir.appending(path: "sent.log").path
        let (db, store) = try await backend.open(gw)
        defer { Task { await store.close() } }
        let daemon = try gw.daemon(try gw.config(Self.yaml(sentLog: sentLog)), arguments: ["--http", "127.0.0.1:0"], db: db)
        let base = "http://127.0.0.1:\(try await daemon.httpPort())"
        try await waitUntil("up is connected and down queued", every: .milliseconds(50)) {
            let (up, down) = (try await store.platform("up")?.state, try await store.platform("down")?.state)
            return up == .connected && down == .backingOff
        }

        try await waitUntil("/healthz answers 200", every: .milliseconds(100)) { try await http(.GET, "\(base)/healthz").status == 200 }
        #expect(try await http(.GET, "\(base)/healthz").body.contains("\"ok\""))
        let ready = try await http(.GET, "\(base)/readyz")
        #expect(ready.status == 200 && ready.body.contains("ready"), "\(ready.body)")
        let status = try await http(.GET, "\(base)/v1/status")
        #expect(status.status == 200 && status.body.contains("\"up\"") && status.body.contains("\"down\""), "\(status.body)")
        // down is queued (counted under reconnect) — or, a second later, in its next attempt.
        #expect(status.body.contains("\"reconnect\" : 1") || status.body.contains("\"state\" : \"connecting\""), "\(status.body)")
        let metrics = try await http(.GET, "\(base)/metrics")
        #expect(metrics.status == 200 && metrics.body.contains("gatewayd_platform_up"), "\(metrics.body.prefix(500))")
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        let page = try await http(.GET, "\(base)/")
        #expect(page.status == 200 && page.body.contains("<svg") && page.body.contains("up"))

        // The documented way for a bot to send: 202, and the message is sent.
        let single = try await http(.POST, "\(base)/v1/messages", body: #"{"platform":"up","target":"room","text":"hello from a bot"}"#)
        #expect(single.status == 202, "\(single.body)")
        let batch = try await http(
            .POST, "\(base)/v1/messages",
            body: #"[{"platform":"up","target":"room","text":"batch one"},{"platform":"up","target":"room","text":"batch two"}]"#)
        #expect(batch.status == 202 && batch.body.contains("\"messages\""), "\(batch.body)")
        try await waitUntil("the three messages are sent", every: .milliseconds(50)) {
            try await store.outbox(states: [.sent]).count == 3
        }
        let sent = try String(contentsOfFile: sentLog, encoding: .utf8)
        #expect(sent == "room\thello from a bot\nroom\tbatch one\nroom\tbatch two\n", "in order: \(sent)")

        // Bad input: a documented status with the reason, and nothing queued.
        let bad: [(String, Int, String)] = [
            ("not json", 400, "expected JSON"),
            (#"{"platform":"up","target":"room","text":""}"#, 400, "the text is empty"),
            (#"{"platform":"nope","target":"room","text":"x"}"#, 404, "unknown platform 'nope'"),
            (#"[{"platform":"up","target":"room","text":"ok"},{"platform":"nope","target":"r","text":"x"}]"#, 404, "unknown platform"),
        ]
        for (body, code, reason) in bad {
            let reply = try await http(.POST, "\(base)/v1/messages", body: body)
            #expect(reply.status == code && reply.body.contains(reason), "\(body): \(reply.status) \(reply.body)")
        }
        #expect(try await store.outbox().count == 3, "nothing queued by a refused request")

        daemon.kill(SIGTERM)
        let result = await daemon.finished()
        #expect(result.status == 0, "\(result.stderr.suffix(2_000))")
    }

    @Test("with http.token every route needs the bearer token; a non-loopback listen without one is refused at load")
    func authentication() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let token = "bb-http-token-\(UUID().uuidString)"
        let config = try gw.config("""
            when_all_failed: stay
            http: { listen: "127.0.0.1:0", token: ${GW_HTTP_TOKEN} }
            platforms:
              up: { type: simulated, script: "connect" }
            """)
        setenv("GW_HTTP_TOKEN", token, 1)
        let daemon = try gw.daemon(config)
        let base = "http://127.0.0.1:\(try await daemon.httpPort())"
        for path in ["/healthz", "/readyz", "/v1/status", "/metrics", "/", "/openapi.json"] {
            #expect(try await http(.GET, base + path).status == 401, "\(path) without the token")
        }
        let post = try await http(.POST, "\(base)/v1/messages", body: #"{"platform":"up","target":"r","text":"x"}"#)
        #expect(post.status == 401)
        #expect(try await http(.GET, "\(base)/readyz", headers: ["Authorization": "Bearer \(token)"]).status == 200)
        daemon.kill(SIGTERM)
        let result = await daemon.finished()
        #expect(result.status == 0 && !result.stderr.contains(token), "the token is never logged")
        #expect(try !databaseFilesContain(token, path: gw.db))

        // Beyond loopback without a token: refused before anything starts, naming the key.
        let open = try gw.config("""
            http: { listen: "0.0.0.0:0" }
            platforms:
              up: { type: simulated, script: "connect" }
            """, name: "open.yaml")
        let refused = try await gw("run", "--config", open.path, "--db", gw.dir.appending(path: "open.db").path)
        #expect(refused.status == 78 && refused.stderr.contains("http.listen") && refused.stderr.contains("token"), "\(refused.stderr)")
        let flag = try await gw("run", "--config", try gw.config("platforms:\n  up: { type: simulated, script: connect }\n", name: "flag.yaml").path,
                          "--db", gw.dir.appending(path: "open.db").path, "--http", "0.0.0.0:0")
        #expect(flag.status == 78 && flag.stderr.contains("--http") && flag.stderr.contains("not a loopback address"), "\(flag.stderr)")
        #expect(!FileManager.default.fileExists(atPath: gw.dir.appending(path: "open.db").path), "no database created")
    }

    @Test("an HTTP address in use ends run with exit 75 naming host:port before any attempt; one not of this machine, exit 78")
    func addressInUse() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let (fd, port) = try boundLoopbackSocket(listening: true)
        defer { close(fd) }
        let config = try gw.config("platforms:\n  up: { type: simulated, script: connect }\n")
        let result = try await gw("run", "--config", config.path, "--db", gw.db, "--http", "127.0.0.1:\(port)")
        #expect(result.status == 75, "\(result.stderr)")
        #expect(result.stderr.contains("http: cannot listen on 127.0.0.1:\(port): the address is in use"), "\(result.stderr)")
        let events = try await gw("events", "--db", gw.db, "--json")
        #expect(events.status == 0 && !events.stdout.contains("attempt_started"), "no platform was attempted: \(events.stdout)")
        let status = try await gw("status", "--db", gw.db, "--json")
        #expect(status.stdout.contains(#""daemon" : null"#), "the lease is released: \(status.stdout)")
        #expect(status.stdout.contains(#""attempts" : 0"#), "\(status.stdout)")

        // An address that is not this machine's (TEST-NET-1, RFC 5737): a configuration problem, exit 78.
        let foreign = try gw.config("""
            http: { listen: "192.0.2.1:8787", allow_unauthenticated: true }
            platforms:
              up: { type: simulated, script: connect }
            """, name: "foreign.yaml")
        let refused = try await gw("run", "--config", foreign.path, "--db", gw.dir.appending(path: "foreign.db").path)
        #expect(refused.status == 78, "\(refused.stderr)")
        #expect(refused.stderr.contains("http: cannot listen on 192.0.2.1:8787: it is not an address of this machine"), "\(refused.stderr)")
    }
}
