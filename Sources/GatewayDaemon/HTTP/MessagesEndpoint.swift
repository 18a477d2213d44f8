import GatewayCore
import GatewayRuntime
import GatewayNetworking
import Foundation
import GatewayStore
import Hummingbird

/// `POST /v1/messages`: queues one message — or a batch, in one transaction — in the outbox.
///
/// Body (`Content-Type: application/json`): one object `{"platform", "target", "text", "ttl_s"?,
/// "idempotency_key"?, "reply_to"?}` (or an `Idempotency-Key` header), answered `202 {"id", "state"}`; or a JSON array of such
/// objects (at most ``DeliveryRouter/maxBatchCount``), answered `202 {"messages": [{"id", "state"}, …]}` in the same
/// order — with an `Idempotency-Key: K` header, item n (from 1) without its own key gets `K:n`. Errors answer JSON
/// `{"error": "…"}`: 400 malformed or invalid (naming the field, and the item of a batch), 404 unknown platform, 413
/// body or batch too large, 415 not JSON, 503 no daemon router. Nothing is queued on an error — not one item of a batch.
enum MessagesEndpoint {
    struct Body: Decodable {
        var platform: String
        var target: String
        var text: String
        var ttlS: Double?
        var idempotencyKey: String?
        var replyTo: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case platform, target, text, ttlS = "ttl_s", idempotencyKey = "idempotency_key", replyTo = "reply_to"
        }

        /// Any key, to find the ones this endpoint does not know.
        struct AnyKey: CodingKey {
            let stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        /// A field is unknown (a typo such as `txt` would otherwise be an opaque "missing text", and a field from a
        /// newer API would be silently dropped).
        init(from decoder: any Decoder) throws {
            let known = Set(CodingKeys.allCases.map(\.stringValue))
            if let unknown = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue).sorted()
                .first(where: { !known.contains($0) }) {
                throw FieldError(item: decoder.codingPath.last?.intValue, message: "unknown field '\(unknown)'")
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            platform = try container.decode(String.self, forKey: .platform)
            target = try container.decode(String.self, forKey: .target)
            text = try container.decode(String.self, forKey: .text)
            ttlS = try container.decodeIfPresent(Double.self, forKey: .ttlS)
            idempotencyKey = try container.decodeIfPresent(String.self, forKey: .idempotencyKey)
            replyTo = try container.decodeIfPresent(String.self, forKey: .replyTo)
        }
    }

    /// A body that decoded but is not a message, naming the field (and the item, from 0, of a batch).
    struct FieldError: Error {
        let item: Int?
        let message: String
    }

    static let shape = "{\"platform\", \"target\", \"text\", \"ttl_s\"?, \"idempotency_key\"?, \"reply_to\"?}"

    /// What is wrong with a body that does not decode, in words: the field and the item when the decoder knows them.
    static func problem(_ error: any Error, isBatch: Bool) -> String {
        func item(_ path: [any CodingKey]) -> String {
            guard isBatch, let index = path.first?.intValue else { return "" }
            return "message \(index + 1): "
        }
        func field(_ path: [any CodingKey], _ key: (any CodingKey)? = nil) -> String {
            (path.dropFirst(isBatch ? 1 : 0).map(\.stringValue) + [key?.stringValue].compactMap { $0 }).joined(separator: ".")
        }
        switch error {
        case let error as FieldError:
            return (isBatch ? error.item.map { "message \($0 + 1): " } ?? "" : "") + error.message
        case DecodingError.keyNotFound(let key, let context):
            return item(context.codingPath) + "missing field '\(field(context.codingPath, key))'"
        case DecodingError.typeMismatch(let type, let context) where !field(context.codingPath).isEmpty:
            let expected = type == String.self ? "a string" : type == Double.self ? "a number" : "\(type)"
            return item(context.codingPath) + "field '\(field(context.codingPath))' must be \(expected)"
        case DecodingError.valueNotFound(_, let context) where !field(context.codingPath).isEmpty:
            return item(context.codingPath) + "field '\(field(context.codingPath))' must not be null"
        default:
            return isBatch ? "expected a JSON array of \(shape)" : "expected JSON \(shape)"
        }
    }

    /// The largest single-message body, and the largest batch body.
    static let maxSingleBytes = DeliveryRouter.maxTextBytes * 2 + 4_096
    static let maxBatchBytes = 8 << 20

    /// `application/json`, with or without parameters (`; charset=utf-8`).
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let media = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) }
        return media?.lowercased() == "application/json"
    }

    static func submit(_ request: Request, source: StatusSource) async throws -> Response {
        guard let router = source.router else {
            return StatusRoutes.json(.serviceUnavailable, ["error": "no daemon is running in this process"])
        }
        guard isJSON(request.headers[.contentType]) else {
            return StatusRoutes.json(.unsupportedMediaType, ["error": "Content-Type must be application/json"])
        }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: maxBatchBytes) } catch {
            return StatusRoutes.json(.contentTooLarge, ["error": "the body is larger than \(maxBatchBytes) bytes"])
        }
        let data = Data(buffer: buffer)
        let isBatch = data.first { !" \t\r\n".utf8.contains($0) } == UInt8(ascii: "[")
        if !isBatch && data.count > maxSingleBytes {
            return StatusRoutes.json(.contentTooLarge, ["error": "the body is larger than \(maxSingleBytes) bytes"])
        }
        let header = request.headers[.init("Idempotency-Key")!]
        if header?.isEmpty == true {
            return StatusRoutes.json(.badRequest, ["error": "the Idempotency-Key header is empty"])
        }
        let bodies: [Body]
        do {
            bodies = isBatch ? try JSONDecoder().decode([Body].self, from: data) : [try JSONDecoder().decode(Body.self, from: data)]
        } catch {
            return StatusRoutes.json(.badRequest, ["error": problem(error, isBatch: isBatch)])
        }
        if bodies.count > DeliveryRouter.maxBatchCount {
            return StatusRoutes.json(.contentTooLarge, [
                "error": "the batch holds \(bodies.count) messages; the limit is \(DeliveryRouter.maxBatchCount)"])
        }
        var batch: [NewOutboxMessage] = []
        let now = source.clock.nowMillis()
        for (index, body) in bodies.enumerated() {
            if let ttl = body.ttlS, !(ttl > 0 && ttl < 1e9) {
                let item = isBatch ? "message \(index + 1): " : ""
                return StatusRoutes.json(.badRequest, ["error": "\(item)ttl_s must be a positive number of seconds"])
            }
            if body.idempotencyKey?.isEmpty == true {
                let item = isBatch ? "message \(index + 1): " : ""
                return StatusRoutes.json(.badRequest, ["error": "\(item)idempotency_key must not be empty"])
            }
            let key = body.idempotencyKey ?? header.map { isBatch ? "\($0):\(index + 1)" : $0 }
            batch.append(NewOutboxMessage(
                platform: body.platform, target: body.target, text: body.text,
                expiresAt: body.ttlS.map { now + Int64($0 * 1000) }, idempotencyKey: key, replyTo: body.replyTo))
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
