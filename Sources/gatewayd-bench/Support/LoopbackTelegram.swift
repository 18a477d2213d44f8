import GatewayCore
import GatewayRuntime
import Foundation
import Hummingbird
import Logging
import Synchronization

/// A minimal Telegram Bot API server on 127.0.0.1 (Hummingbird, port 0) for the `messages` and `load` scenarios: the
/// real wire format — `POST /bot{token}/{method}` with a JSON body, `{"ok":true,"result":…}` envelopes — for the three
/// methods the adapter uses: `getMe`, `getUpdates` (held for its `timeout`, then an empty list) and `sendMessage`
/// (answered at once with a message; counted). Each of `tokens` is a bot of its own on the same server. No faults, no
/// pacing of its own: the adapter's pacing is what is measured.
final class LoopbackTelegram: Sendable {
    private let task: Task<Void, any Error>
    let port: Int
    private let counter: Counter
    private let getMeCounter: Counter

    var apiBase: String { "http://127.0.0.1:\(port)" }
    /// How many `sendMessage` calls were answered.
    var sent: Int { counter.value }
    /// How many `getMe` calls (logins) were answered.
    var logins: Int { getMeCounter.value }

    /// Listens on `port` (0: a free one).
    init(tokens: Set<String>, port requested: Int = 0) async throws {
        let router = Router()
        let counter = Counter()
        let getMeCounter = Counter()
        router.post("**") { request, _ -> Response in
            let segments = request.uri.path.split(separator: "/")
            guard segments.count == 2, segments[0].hasPrefix("bot"), tokens.contains(String(segments[0].dropFirst(3))) else {
                return Self.reply(#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#, status: .unauthorized)
            }
            let body = try await request.body.collect(upTo: 1 << 20)
            let json = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
            switch segments[1] {
            case "getMe":
                _ = getMeCounter.next()
                return Self.reply(#"{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"Bench","username":"bench_bot"}}"#)
            case "getUpdates":
                let timeout = min(max(json["timeout"] as? Int ?? 0, 0), 50)
                try? await Task.sleep(for: .seconds(timeout))
                return Self.reply(#"{"ok":true,"result":[]}"#)
            case "sendMessage":
                let chat = (json["chat_id"] as? Int64) ?? Int64("\(json["chat_id"] ?? 0)") ?? 0
                let id = counter.next()
                let text = (json["text"] as? String) ?? ""
                let result: [String: Any] = [
                    "message_id": id, "date": 1_800_000_000, "text": text, "chat": ["id": chat, "type": "private"],
                ]
                let data = (try? JSONSerialization.data(withJSONObject: ["ok": true, "result": result])) ?? Data()
                return Self.reply(String(decoding: data, as: UTF8.self))
            default:
                return Self.reply(#"{"ok":false,"error_code":404,"description":"Not Found"}"#, status: .notFound)
            }
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: requested)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: Logger(label: "loopback-telegram") { _ in SwiftLogNoOpLogHandler() })
        task = Task {
            defer { continuation.finish() }
            try await app.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next(), bound > 0 else {
            task.cancel()
            throw ProcessScenarios.Failed(description: "the loopback Telegram server did not start")
        }
        port = bound
        self.counter = counter
        self.getMeCounter = getMeCounter
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }

    private static func reply(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Message ids, from 1.
    final class Counter: Sendable {
        private let state = Mutex<Int64>(0)
        func next() -> Int64 { state.withLock { $0 += 1; return $0 } }
        var value: Int { Int(state.withLock { $0 }) }
    }
}
