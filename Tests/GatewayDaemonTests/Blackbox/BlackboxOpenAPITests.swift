import Foundation
import GatewayCore
import Testing

/// The real daemon against its own OpenAPI document: the document it serves is valid OpenAPI 3.1
/// (openapi-spec-validator), and what it answers — every status of every route, and the webhook it posts — matches
/// the document's schemas (openapi-schema-validator), through scripts/openapi_check.py.
@Suite("Black box: the HTTP API matches its OpenAPI document")
struct BlackboxOpenAPITests {
    @Test("/openapi.json validates; health, readiness, status, messages (202/400/404/413/415) and the inbox webhook match it")
    func responsesMatch() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let telegram = try await TelegramTestServer.start(token: telegramTestToken)
        let consumer = WebhookReceiver()
        try await consumer.start()
        setenv("BB_OAS_TG", telegramTestToken, 1)
        let alertSecret = "oas-alert-secret-\(UUID().uuidString)"
        setenv("BB_OAS_ALERT_SECRET", alertSecret, 1)
        let config = try gw.config("""
            when_all_failed: stay
            inbox: { webhook: "\(consumer.url("/in"))" }
            alerts: { webhook: "\(consumer.url("/alert"))", secret: ${BB_OAS_ALERT_SECRET} }
            platforms:
              bad: { type: simulated, script: "fail auth" }
              tg: { type: telegram, token: ${BB_OAS_TG}, api_base: "\(telegram.apiBase)", poll_timeout: 1s }
              down: { type: simulated, script: "fail network x100" }
            """)
        let daemon = try gw.daemon(config, arguments: ["--http", "127.0.0.1:0"])
        let base = "http://127.0.0.1:\(try await daemon.httpPort())"
        _ = await telegram.state.enqueueMessages(["hello"])
        await telegram.state.enqueue(["message": [  // a reply with a file: the nested schema and its nulls
            "message_id": 3, "chat": ["id": 42, "type": "private"] as [String: any Sendable],
            "from": ["id": 7, "first_name": "Ada"] as [String: any Sendable],
            "reply_to_message": ["message_id": 2, "chat": ["id": 42] as [String: any Sendable]] as [String: any Sendable],
            "document": ["file_id": "doc", "file_unique_id": "u", "file_name": "a.pdf"] as [String: any Sendable],
        ] as [String: any Sendable]])
        try await waitUntil("the consumer has the messages and the alert", every: .milliseconds(50)) {
            consumer.accepted.filter { $0.path == "/in" }.count == 2 && consumer.accepted.contains { $0.path == "/alert" }
        }

        // scripts/openapi_check.py's cases: {"schema", "instance" (the real body, as JSON), "what"}.
        var cases: [[String: Any]] = []
        func add(_ schema: String, _ body: String, _ what: String) throws {
            let instance = try JSONSerialization.jsonObject(with: Data(body.utf8), options: [.fragmentsAllowed])
            cases.append(["schema": schema, "instance": instance, "what": what])
        }
        func expect(_ reply: HTTPReply, _ status: Int, _ schema: String, _ what: String) throws {
            #expect(reply.status == status, "\(what): \(reply.status) \(reply.body)")
            try add(schema, reply.body, what)
        }
        try expect(try await http(.GET, base + "/healthz"), 200, "Health", "GET /healthz")
        try expect(try await http(.GET, base + "/readyz"), 200, "Readiness", "GET /readyz")
        try expect(try await http(.GET, base + "/v1/status"), 200, "Status", "GET /v1/status")
        let post = "\(base)/v1/messages"
        try expect(try await http(.POST, post, body: ##"{"platform":"down","target":"#c","text":"one","reply_to":"m-1"}"##), 202, "QueuedMessage", "POST single")
        let batch = try await http(.POST, post, body: ##"[{"platform":"down","target":"#c","text":"a"},{"platform":"down","target":"#c","text":"b","ttl_s":60}]"##)
        #expect(batch.status == 202)
        for (index, item) in try #require(try JSONSerialization.jsonObject(with: Data(batch.body.utf8)) as? [String: [Any]])["messages", default: []].enumerated() {
            try add("QueuedMessage", String(decoding: try JSONSerialization.data(withJSONObject: item), as: UTF8.self), "POST batch item \(index + 1)")
        }
        try expect(try await http(.POST, post, body: ##"{"platform":"down","target":"#c","text":"x","colour":"red"}"##), 400, "Error", "POST unknown field")
        try expect(try await http(.POST, post, body: ##"{"platform":"nope","target":"#c","text":"x"}"##), 404, "Error", "POST unknown platform")
        try expect(try await http(.POST, post, body: "x", headers: ["Content-Type": "text/plain"]), 415, "Error", "POST text/plain")
        let many = "[" + Array(repeating: ##"{"platform":"down","target":"#c","text":"x"}"##, count: 10_001).joined(separator: ",") + "]"
        try expect(try await http(.POST, post, body: many), 413, "Error", "POST 10,001 messages")
        for delivery in consumer.accepted {
            let isAlert = delivery.path == "/alert"
            try add(isAlert ? "Alert" : "InboxMessage", String(decoding: delivery.body, as: UTF8.self), "\(delivery.path) webhook body")
            if isAlert {  // alerts.secret: signed; the inbox has no secret here, so it is not
                #expect(WebhookSignature.failure(
                    body: Array(delivery.body), timestamp: delivery.timestamp, signature: delivery.signature,
                    secret: Secret(alertSecret), now: Int64(Date().timeIntervalSince1970)) == nil)
            } else {
                #expect(delivery.signature == nil && delivery.timestamp == nil)
            }
        }

        let document = gw.dir.appending(path: "openapi.json")
        let served = try await http(.GET, base + "/openapi.json")
        #expect(served.status == 200)
        try Data(served.body.utf8).write(to: document)
        let casesFile = gw.dir.appending(path: "cases.json")
        try JSONSerialization.data(withJSONObject: cases).write(to: casesFile)
        let check = try await runPython(["scripts/openapi_check.py", document.path, casesFile.path])
        #expect(check.status == 0, "\(check.output)")
        #expect(cases.count >= 12)

        daemon.kill(SIGTERM)
        #expect(await daemon.finished().status == 0)
        consumer.stop()
        await telegram.stop()
    }
}

/// The repository's root (where scripts/ is), from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs a Python tool of the test command's virtual environment (`.build/python`, made by scripts/test): `python3`
/// (then `arguments` start with a script of the repository) or an installed command such as `schemathesis`. Without
/// that environment, `python3` from the PATH.
func runPython(
    _ arguments: [String], tool: String = "python3", in directory: URL = repositoryRoot
) async throws -> (status: Int32, output: String) {
    let venv = repositoryRoot.appending(path: ".build/python/bin/\(tool)")
    let process = Process()
    if FileManager.default.isExecutableFile(atPath: venv.path) {
        process.executableURL = venv
        process.arguments = arguments
    } else {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
    }
    process.currentDirectoryURL = directory
    let output = FileManager.default.temporaryDirectory.appending(path: "gatewayd-python-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: output) }
    let handle = try FileHandle(forWritingTo: output)
    process.standardOutput = handle
    process.standardError = handle
    let exited = AsyncStream<Void>.makeStream()
    process.terminationHandler = { _ in exited.continuation.finish() }
    try process.run()
    for await _ in exited.stream {}
    return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
}
