import AsyncHTTPClient
import Foundation
import GatewayCore
import GatewayNetworking
import NIOCore

/// One POST of a JSON body to a consumer's URL (the inbox webhook, the alert webhook): `Content-Type`, `User-Agent`,
/// the caller's headers, and — with a secret — the signature headers of ``WebhookSignature``, stamped with the
/// injected clock at each attempt (a retry is signed anew). Any 2xx accepts it; anything else throws, naming only
/// the host and the status or transport failure: webhook URLs often carry a secret in their path.
struct WebhookPost: Sendable {
    let url: String
    let secret: Secret?
    let clock: any GatewayClock
    let timeout: TimeAmount
    /// Names the destination in errors ("consumer webhook", "webhook example.com").
    let label: String

    func send(_ body: Data, headers extra: [(String, String)] = []) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "gatewayd/\(GatewayVersion.current)")
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        if let secret {
            let timestamp = clock.nowMillis() / 1_000
            request.headers.add(name: WebhookSignature.timestampHeader, value: "\(timestamp)")
            request.headers.add(
                name: WebhookSignature.signatureHeader,
                value: WebhookSignature.signature(body: Array(body), timestamp: timestamp, secret: secret))
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await PlatformHTTP.client.execute(request, timeout: timeout)
        } catch {
            // Never the error's own text: it may contain the URL (and a secret in it).
            let (host, port) = TransportFailure.endpoint(of: url)
            throw AlertDeliveryError("\(label): \(TransportFailure(error, host: host, port: port).summary)")
        }
        guard (200..<300).contains(response.status.code) else {
            throw AlertDeliveryError("\(label) answered HTTP \(response.status.code)")
        }
    }
}
