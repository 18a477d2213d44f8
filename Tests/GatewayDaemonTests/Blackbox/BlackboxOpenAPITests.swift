import Foundation
import Testing

@testable import GatewayRuntime

/// The real daemon against its own OpenAPI document: the document it serves is valid OpenAPI 3.1
/// (openapi-spec-validator), and what it answers — every status of every route, and the webhook it posts — matches
/// the document's schemas (openapi-schema-validator), through scripts/openapi_check.py.
@Suite("Black box: the HTTP API matches its OpenAPI document")
struct BlackboxOpenAPITests {
    struct Case: Encodable {
        let schema: String
        let instance: AnyJSON
        let what: String
    }

    @Test("/openapi.json validates; health, readiness, status, messages (202/400/404/413/415) and the inbox webhook match it")
    func responsesMatch() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let telegram = try await TelegramTestServer.start(token: telegramTestToken)
        let consumer = WebhookReceiver()
        try await consumer.start()
        setenv("BB_OAS_TG", telegramTestToken, 1)
        let config = try gw.config("""
            when_all_failed: stay
            inbox: { webhook: "\(consumer.url("/in"))" }
            platforms:
              tg: { type: telegram, token: ${BB_OAS_TG}, api_base: "\(telegram.apiBase)", poll_timeout: 1s }
              down: { type: simulated, script: "fail network x100" }
            """)
        let daemon = try gw.daemon(config, arguments: ["--http", "127.0.0.1:0"])
        let base = "http://127.0.0.1:\(try await daemon.httpPort())"
        _ = await telegram.state.enqueueMessages(["hello"])
        try await waitUntil("the consumer has the message", every: .milliseconds(50)) { !consumer.accepted.isEmpty }

        var cases: [Case] = []
        func add(_ schema: String, _ body: String, _ what: String) throws {
            cases.append(Case(schema: schema, instance: try JSONDecoder().decode(AnyJSON.self, from: Data(body.utf8)), what: what))
        }
        func expect(_ reply: HTTPReply, _ status: Int, _ schema: String, _ what: String) throws {
            #expect(reply.status == status, "\(what): \(reply.status) \(reply.body)")
            try add(schema, reply.body, what)
        }
        try expect(try await http(.GET, base + "/healthz"), 200, "Health", "GET /healthz")
        try expect(try await http(.GET, base + "/readyz"), 200, "Readiness", "GET /readyz")
        try expect(try await http(.GET, base + "/v1/status"), 200, "Status", "GET /v1/status")
        let post = "\(base)/v1/messages"
        try expect(try await http(.POST, post, body: ##"{"platform":"down","target":"#c","text":"one"}"##), 202, "QueuedMessage", "POST single")
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
            try add("InboxMessage", String(decoding: delivery.body, as: UTF8.self), "inbox webhook body")
        }
        let alert = Alert(kind: .down, status: .firing, platform: "down", state: "backing_off", since: 1, at: 2, detail: "not connected for 5m")
        try add("Alert", String(decoding: alert.json(), as: UTF8.self), "alert webhook body")

        let document = gw.dir.appending(path: "openapi.json")
        let served = try await http(.GET, base + "/openapi.json")
        #expect(served.status == 200)
        try Data(served.body.utf8).write(to: document)
        let casesFile = gw.dir.appending(path: "cases.json")
        try JSONEncoder().encode(cases).write(to: casesFile)
        let check = try await runPython(["scripts/openapi_check.py", document.path, casesFile.path])
        #expect(check.status == 0, "\(check.output)")
        #expect(cases.count >= 12)

        daemon.kill(SIGTERM)
        #expect(await daemon.finished().status == 0)
        consumer.stop()
        await telegram.stop()
    }
}

/// Any JSON, decoded and encoded again unchanged in meaning.
enum AnyJSON: Codable {
    case null, bool(Bool), number(Double), string(String), array([AnyJSON]), object([String: AnyJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([AnyJSON].self) { self = .array(value) }
        else { self = .object(try container.decode([String: AnyJSON].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
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
