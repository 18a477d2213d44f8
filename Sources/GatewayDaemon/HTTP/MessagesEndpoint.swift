import GatewayCore
import GatewayRuntime
import GatewayNetworking
import Foundation
import GatewayStore
import Hummingbird

/// `POST /v1/messages`: queues one message — or a batch, in one transaction — in the outbox.
///
/// Body: one object `{"platform", "target", "text", "ttl_s"?, "idempotency_key"?}` (or an `Idempotency-Key`
/// header), answered `202 {"id", "state"}`; or a JSON array of such objects (at most
/// ``DeliveryRouter/maxBatchCount``), answered `202 {"messages": [{"id", "state"}, …]}` in the same order — with an
/// `Idempotency-Key: K` header, item n (from 1) without its own key gets `K:n`. Errors answer JSON `{"error": "…"}`:
/// 400 malformed or invalid (naming the item of a batch), 404 unknown platform, 413 body too large, 503 no daemon
/// router. Nothing is queued on an error — not one item of a batch.
enum MessagesEndpoint {
    struct Body: Decodable {
        var platform: String
        var target: String
        var text: String
        var ttlS: Double?
        var idempotencyKey: String?

        enum CodingKeys: String, CodingKey {
            case platform, target, text, ttlS = "ttl_s", idempotencyKey = "idempotency_key"
        }
    }

    /// The largest single-message body, and the largest batch body.
    static let maxSingleBytes = DeliveryRouter.maxTextBytes * 2 + 4_096
    static let maxBatchBytes = 8 << 20

    static func submit(_ request: Request, source: StatusSource) async throws -> Response {
        guard let router = source.router else {
            return StatusRoutes.json(.serviceUnavailable, ["error": "no daemon is running in this process"])
        }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: maxBatchBytes) } catch {
            return StatusRoutes.json(.contentTooLarge, ["error": "the body is too large"])
        }
        let data = Data(buffer: buffer)
        let isBatch = data.first { !" \t\r\n".utf8.contains($0) } == UInt8(ascii: "[")
        if !isBatch && data.count > maxSingleBytes {
            return StatusRoutes.json(.contentTooLarge, ["error": "the body is too large"])
        }
        let header = request.headers[.init("Idempotency-Key")!]
        let bodies: [Body]
        do {
            bodies = isBatch ? try JSONDecoder().decode([Body].self, from: data) : [try JSONDecoder().decode(Body.self, from: data)]
        } catch {
            let shape = "{\"platform\", \"target\", \"text\", \"ttl_s\"?, \"idempotency_key\"?}"
            return StatusRoutes.json(.badRequest, ["error": isBatch ? "expected a JSON array of \(shape)" : "expected JSON \(shape)"])
        }
        var batch: [NewOutboxMessage] = []
        let now = source.clock.nowMillis()
        for (index, body) in bodies.enumerated() {
            if let ttl = body.ttlS, !(ttl > 0 && ttl < 1e9) {
                let item = isBatch ? "message \(index + 1): " : ""
                return StatusRoutes.json(.badRequest, ["error": "\(item)ttl_s must be a positive number of seconds"])
            }
            let key = body.idempotencyKey ?? header.map { isBatch ? "\($0):\(index + 1)" : $0 }
            batch.append(NewOutboxMessage(
                platform: body.platform, target: body.target, text: body.text,
                expiresAt: body.ttlS.map { now + Int64($0 * 1000) }, idempotencyKey: key))
        }
        do {
            let entries = try await router.submit(batch, itemized: isBatch)
            if !isBatch, let entry = entries.first {
                return StatusRoutes.json(.accepted, ["id": "\(entry.id)", "state": entry.state.rawValue])
            }
            return StatusRoutes.json(.accepted, BatchReply(messages: entries.map { .init(id: "\($0.id)", state: $0.state.rawValue) }))
        } catch let error as DeliveryError {
            return StatusRoutes.json(error.isUnknownPlatform ? .notFound : .badRequest, ["error": error.description])
        }
    }

    struct BatchReply: Encodable {
        struct Item: Encodable {
            let id: String
            let state: String
        }

        let messages: [Item]
    }
}
