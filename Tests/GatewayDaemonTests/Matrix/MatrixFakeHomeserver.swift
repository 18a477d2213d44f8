import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// A local stand-in for a homeserver, for the answers Synapse cannot be made to give on demand (a 429 with a given
/// `Retry-After`, a 5xx, `soft_logout`, a long poll that never answers). Every call gets a scripted answer by its
/// name (`whoami`, `sync`, `join`, `send`), else a plain success.
final class MatrixFakeHomeserver: Sendable {
    struct Answer: Sendable {
        var status: Int
        var body: String
        /// The `Retry-After` header, when set.
        var retryAfter: String? = nil
        /// Never answer (the long poll hangs until the client gives up).
        var hang = false
    }

    /// What the handler answers and what it saw, shared with it.
    private final class Script: Sendable {
        let answers = Mutex<[String: Answer]>([:])
        let seen = Mutex<[String]>([])
        /// Each request's URI (path and query) and Authorization header.
        let requests = Mutex<[(uri: String, authorization: String?)]>([])
    }

    private let script: Script
    private let run: LocalServerRun
    let port: Int

    var baseURL: String { "http://127.0.0.1:\(port)" }
    /// The calls received, by name, in order.
    var calls: [String] { script.seen.withLock { $0 } }

    static func start() async throws -> MatrixFakeHomeserver {
        let script = Script()
        let router = Router()
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            let name = Self.callName(request.uri.path)
            script.seen.withLock { $0.append(name) }
            script.requests.withLock { $0.append((request.uri.string, request.headers[.authorization])) }
            let answer = script.answers.withLock { $0[name] } ?? Self.success(name)
            if answer.hang { try await Task.sleep(for: .seconds(3_600)) }
            var headers: HTTPFields = [.contentType: "application/json"]
            if let retryAfter = answer.retryAfter { headers[.retryAfter] = retryAfter }
            return Response(
                status: HTTPResponse.Status(code: answer.status), headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
        }
        router.get("**", use: handler)
        router.post("**", use: handler)
        router.put("**", use: handler)
        let (run, port) = try await LocalServerRun.loopback(router)
        return MatrixFakeHomeserver(script: script, run: run, port: port)
    }

    private init(script: Script, run: LocalServerRun, port: Int) {
        self.script = script
        self.run = run
        self.port = port
    }

    var requests: [(uri: String, authorization: String?)] { script.requests.withLock { $0 } }

    func answer(_ call: String, _ answer: Answer) { script.answers.withLock { $0[call] = answer } }

    func stop() async { await run.stop(grace: .milliseconds(100)) }

    static func callName(_ path: String) -> String {
        if path.hasSuffix("/account/whoami") { return "whoami" }
        if path.hasSuffix("/sync") { return "sync" }
        if path.contains("/join/") { return "join" }
        if path.contains("/send/") { return "send" }
        if path.contains("/directory/room/") { return "directory" }
        return path
    }

    static func success(_ name: String) -> Answer {
        switch name {
        case "whoami": Answer(status: 200, body: #"{"user_id":"@bot:fake","device_id":"DEV"}"#)
        case "sync": Answer(status: 200, body: #"{"next_batch":"s1"}"#)
        case "join", "directory": Answer(status: 200, body: #"{"room_id":"!room:fake"}"#)
        case "send": Answer(status: 200, body: #"{"event_id":"$event"}"#)
        default: Answer(status: 404, body: #"{"errcode":"M_UNRECOGNIZED","error":"unknown"}"#)
        }
    }
}
