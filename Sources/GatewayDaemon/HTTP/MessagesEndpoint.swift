import Foundation
import GatewayStore
import Hummingbird

/// `POST /v1/messages`: queues a message in the outbox and answers `202 {"id", "state"}`.
///
/// Body: `{"platform", "target", "text", "ttl_s"?, "idempotency_key"?}` (or an `Idempotency-Key` header).
/// Errors answer JSON `{"error": "…"}`: 400 malformed or invalid, 404 unknown platform, 413 body too large,
/// 503 no daemon router. Nothing is queued on an error.
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

    static func submit(_ request: Request, source: StatusSource) async throws -> Response {
        guard let router = source.router else {
            return StatusRoutes.json(.serviceUnavailable, ["error": "no daemon is running in this process"])
        }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: DeliveryRouter.maxTextBytes * 2 + 4_096) } catch {
            return StatusRoutes.json(.contentTooLarge, ["error": "the body is too large"])
        }
        let body: Body
        do { body = try JSONDecoder().decode(Body.self, from: Data(buffer: buffer)) } catch {
            return StatusRoutes.json(.badRequest, ["error": "expected JSON {\"platform\", \"target\", \"text\", \"ttl_s\"?, \"idempotency_key\"?}"])
        }
        if let ttl = body.ttlS, !(ttl > 0 && ttl < 1e9) {
            return StatusRoutes.json(.badRequest, ["error": "ttl_s must be a positive number of seconds"])
        }
        do {
            let entry = try await router.submit(
                platform: body.platform, target: body.target, text: body.text,
                ttlMillis: body.ttlS.map { Int64($0 * 1000) },
                idempotencyKey: body.idempotencyKey ?? request.headers[.init("Idempotency-Key")!])
            return StatusRoutes.json(.accepted, ["id": "\(entry.id)", "state": entry.state.rawValue])
        } catch let error as DeliveryError {
            return StatusRoutes.json(error.isUnknownPlatform ? .notFound : .badRequest, ["error": error.description])
        }
    }
}
