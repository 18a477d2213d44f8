import Foundation
import GatewayCore
import Hummingbird
import NIOCore
import Synchronization
import Testing

/// A bot written from the README alone: gatewayd POSTs each received message to its webhook; it answers through
/// `POST /v1/messages` with `echo: <text>` to the same chat, threaded under it (`reply_to`), keyed by the message
/// (`idempotency_key`), so a webhook redelivered after a crash queues no second reply.
///
/// With a `secret`, it checks every request's signature (README, "Signed webhooks") and answers 401 to one that
/// does not verify: a forged, tampered or replayed request is never echoed.
///
/// Replies go out in arrival order from one loop. `hold()` keeps them (messages are still acknowledged), `release()`
/// lets them go; a reply the daemon does not accept (it is down, or restarting on a new port) is retried until it is.
final class EchoBot: Sendable {
    struct Received: Sendable {
        let platform: String
        let messageID: String
        let chat: String
        let text: String
        let idempotencyKey: String?
    }

    /// One request as it arrived, for checking its signature elsewhere (contrib/verify_webhook.py).
    struct Raw: Sendable {
        let body: [UInt8]
        let timestamp: String?
        let signature: String?
    }

    private struct State {
        var received: [Received] = []
        var raw: [Raw] = []
        var rejected: [WebhookSignature.Failure] = []
        var replies: [Received] = []
        var held = false
        var daemonBase: String?
        var port: Int?
        var accepted: [String] = []
    }

    private let state = Mutex(State())
    let secret: Secret?

    init(secret: Secret? = nil) { self.secret = secret }

    /// Every request as it arrived; the signature failures of those refused (401).
    var raw: [Raw] { state.withLock { $0.raw } }
    var rejected: [WebhookSignature.Failure] { state.withLock { $0.rejected } }
    private let run = Mutex<LocalServerRun?>(nil)
    private let loop = Mutex<Task<Void, Never>?>(nil)

    var received: [Received] { state.withLock { $0.received } }
    /// The reply texts the daemon answered 202 for, in order.
    var accepted: [String] { state.withLock { $0.accepted } }
    var webhook: String { "http://127.0.0.1:\(state.withLock { $0.port } ?? 0)/inbound" }

    func hold() { state.withLock { $0.held = true } }
    func release() { state.withLock { $0.held = false } }
    /// Where the daemon's HTTP face is now (nil while it is down).
    func daemon(at base: String?) { state.withLock { $0.daemonBase = base } }

    func start() async throws {
        let router = Router()
        router.post("/inbound") { [self] request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 1 << 20)
            let raw = Raw(
                body: Array(buffer: body), timestamp: request.headers[.init(WebhookSignature.timestampHeader)!],
                signature: request.headers[.init(WebhookSignature.signatureHeader)!])
            state.withLock { $0.raw.append(raw) }
            if let secret, let failure = WebhookSignature.failure(
                body: raw.body, timestamp: raw.timestamp, signature: raw.signature, secret: secret,
                now: Int64(Date().timeIntervalSince1970)) {
                state.withLock { $0.rejected.append(failure) }
                return .unauthorized
            }
            guard let json = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
                  let platform = json["platform"] as? String, let id = json["message_id"] as? String,
                  let chat = json["chat"] as? String, let text = json["text"] as? String else { return .badRequest }
            let message = Received(
                platform: platform, messageID: id, chat: chat, text: text,
                idempotencyKey: request.headers[.init("Idempotency-Key")!])
            state.withLock { state in
                state.received.append(message)
                state.replies.append(message)
            }
            return .noContent
        }
        let (server, port) = try await LocalServerRun.loopback(router)
        state.withLock { $0.port = port }
        run.withLock { $0 = server }
        loop.withLock { $0 = Task { [self] in await replyLoop() } }
    }

    /// Posts the oldest waiting reply once it may and the daemon accepts it; one at a time, in order.
    private func replyLoop() async {
        while !Task.isCancelled {
            let next = state.withLock { state -> (Received, String)? in
                guard !state.held, let first = state.replies.first, let base = state.daemonBase else { return nil }
                return (first, base)
            }
            guard let (message, base) = next else {
                try? await Task.sleep(for: .milliseconds(20))
                continue
            }
            let reply = "echo: \(message.text)"
            let body = try? JSONSerialization.data(withJSONObject: [
                "platform": message.platform, "target": message.chat, "text": reply,
                "idempotency_key": "echo:\(message.platform):\(message.messageID)", "reply_to": message.messageID,
            ])
            let status = try? await http(.POST, "\(base)/v1/messages", body: String(decoding: body ?? Data(), as: UTF8.self)).status
            if status == 202 {
                state.withLock { state in
                    state.replies.removeFirst()
                    state.accepted.append(reply)
                }
            } else {
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    func stop() async {
        loop.withLock { $0 }?.cancel()
        await loop.withLock { $0 }?.value
        if let current = run.withLock({ $0 }) { await current.stop() }
    }
}
