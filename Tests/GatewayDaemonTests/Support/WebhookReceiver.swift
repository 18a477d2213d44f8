import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// A local HTTP endpoint on 127.0.0.1 (port 0) that records every POST and can refuse the first N with 503.
final class WebhookReceiver: Sendable {
    struct Delivery: Sendable {
        let path: String
        let idempotencyKey: String?
        let body: Data
        let accepted: Bool
        /// The signature headers (README, "Signed webhooks"), when the sender signs.
        let timestamp: String?
        let signature: String?
    }

    private let state = Mutex<(deliveries: [Delivery], refuseLeft: Int, port: Int?)>(([], 0, nil))
    private let run = Mutex<LocalServerRun?>(nil)

    var deliveries: [Delivery] { state.withLock { $0.deliveries } }
    var accepted: [Delivery] { deliveries.filter(\.accepted) }
    func refuseNext(_ count: Int) { state.withLock { $0.refuseLeft = count } }

    /// `http://127.0.0.1:<port><path>` once listening.
    func url(_ path: String) -> String { "http://127.0.0.1:\(state.withLock { $0.port } ?? 0)\(path)" }

    func start() async throws {
        let router = Router()
        router.post("/**") { [self] request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 1 << 20)
            return state.withLock { state in
                let accept = state.refuseLeft == 0
                if !accept { state.refuseLeft -= 1 }
                state.deliveries.append(Delivery(
                    path: request.uri.path, idempotencyKey: request.headers[.init("Idempotency-Key")!],
                    body: Data(buffer: body), accepted: accept,
                    timestamp: request.headers[.init("X-Gatewayd-Request-Timestamp")!],
                    signature: request.headers[.init("X-Gatewayd-Signature")!]))
                return accept ? .noContent : .serviceUnavailable
            }
        }
        let (server, port) = try await LocalServerRun.loopback(router)
        state.withLock { $0.port = port }
        run.withLock { $0 = server }
    }

    /// Starts a graceful shutdown (see ``LocalServerRun``) and returns at once.
    func stop() {
        guard let current = run.withLock({ $0 }) else { return }
        Task { await current.stop() }
    }
}
