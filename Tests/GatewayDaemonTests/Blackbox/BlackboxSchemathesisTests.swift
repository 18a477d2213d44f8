import Foundation
import GatewayStore
import Testing

/// schemathesis (PyPI) against the real daemon, from its own /openapi.json: every documented operation with valid,
/// invalid and random input, and undocumented methods. Every answer must be a documented status with a body that
/// matches its schema, never a 5xx; a request refused with an error queues nothing — the outbox holds exactly the
/// entries the 202 answers named (read from schemathesis' HAR record of every exchange).
@Suite("Black box: schemathesis finds nothing")
struct BlackboxSchemathesisTests {
    @Test("all checks pass with the bearer token on; the outbox holds exactly what was answered 202")
    func fuzz() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let token = "st-token-\(UUID().uuidString)"
        setenv("BB_ST_TOKEN", token, 1)
        let config = try gw.config("""
            when_all_failed: stay
            reconnect: { base: 1h, cap: 1h }
            http: { listen: "127.0.0.1:0", token: ${BB_ST_TOKEN} }
            platforms:
              telegram: { type: simulated, script: "fail network x1000" }
            """)
        let daemon = try gw.daemon(config)
        let base = "http://127.0.0.1:\(try await daemon.httpPort())"
        // Business rules a schema cannot state — a target the platform type never accepts, a disabled platform — are
        // 400 for schema-valid input; the size limits are 413 for schema-violating input.
        let settings = gw.dir.appending(path: "schemathesis.toml")
        try """
            [checks.positive_data_acceptance]
            expected-statuses = ["2XX", "400", "404"]
            [checks.negative_data_rejection]
            expected-statuses = ["400", "404", "405", "413", "415"]
            """.write(to: settings, atomically: true, encoding: .utf8)
        let har = gw.dir.appending(path: "exchanges.har")
        let run = try await runPython([
            "--config-file", settings.path, "run", "\(base)/openapi.json", "--url", base,
            "--checks", "all", "--max-examples", "60", "--seed", "1", "--no-color",
            "-H", "Authorization: Bearer \(token)", "--report", "har", "--report-har-path", har.path,
        ], tool: "schemathesis", in: gw.dir)  // its cache (.schemathesis/) goes there, not into the repository
        #expect(run.status == 0, "\(run.output.suffix(6_000))")

        // What the 202 answers named, against what the outbox holds.
        let record = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: har)) as? [String: Any])
        let entries = try #require((record["log"] as? [String: Any])?["entries"] as? [[String: Any]])
        var answered = Set<String>()
        var posts = 0
        for entry in entries {
            guard let request = entry["request"] as? [String: Any], request["method"] as? String == "POST",
                  (request["url"] as? String)?.hasSuffix("/v1/messages") == true,
                  let response = entry["response"] as? [String: Any] else { continue }
            posts += 1
            guard response["status"] as? Int == 202,
                  let text = (response["content"] as? [String: Any])?["text"] as? String,
                  let body = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { continue }
            if let id = body["id"] as? String { answered.insert(id) }
            for item in body["messages"] as? [[String: Any]] ?? [] { if let id = item["id"] as? String { answered.insert(id) } }
        }
        #expect(posts >= 30 && !answered.isEmpty, "schemathesis exercised POST /v1/messages (\(posts) requests, \(answered.count) queued)")
        let queued = Set(try await Store(path: gw.db).outbox().map { "\($0.id)" })
        #expect(queued == answered, "queued but not answered 202: \(queued.subtracting(answered).sorted()); answered but not queued: \(answered.subtracting(queued).sorted())")

        daemon.kill(SIGTERM)
        let result = await daemon.finished()
        #expect(result.status == 0)
        #expect(!result.stderr.contains(token), "the token is never logged")
    }
}
