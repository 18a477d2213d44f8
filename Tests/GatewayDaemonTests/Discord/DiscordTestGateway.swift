import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import Testing

@testable import GatewayCore
@testable import GatewayDiscord
@testable import GatewayDaemon
@testable import GatewayRuntime

/// A local Discord on 127.0.0.1 (port 0): REST under `/api/v10` (Hummingbird) and the gateway WebSocket
/// (HummingbirdWebSocket) on the same port, with fault injection through ``state``.
///
/// `GET /gateway/bot` answers the server's own `ws://` URL; READY's `resume_gateway_url` is `{url}/resume`, so a
/// RESUME is seen arriving on `/resume`.
final class DiscordTestGateway: Sendable {
    let state: TestGatewayState
    private let connections = AcceptedConnections()
    private let run: LocalServerRun
    let port: Int

    var apiBase: String { "http://127.0.0.1:\(port)/api/v10" }

    /// Starts the server and waits (bounded, real time) until it listens. A server restarted after ``stop()`` is
    /// made with the old one's `state` and `port`: its sessions (replayed on RESUME) and its record survive.
    init(token: String, port: Int = 0, state: TestGatewayState = TestGatewayState()) async throws {
        self.state = state
        await state.update { $0.validToken = token }
        await state.setPort(0)
        let closes = state.clientCloseCodes
        let tracker = connections.handler()
        let logger = Logger(label: "discord-test-gateway") { _ in CloseFrameRecorder { closes.append($0) } }
        let app = Application(
            router: Self.router(state),
            server: .http1WebSocketUpgrade { request, _, _ in
                let path = request.path ?? "/"
                return .upgrade([:]) { inbound, outbound, _ in
                    try await Self.serveSocket(state: state, path: path, inbound: inbound, outbound: outbound)
                }
            },
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in
                try? await channel.pipeline.addHandler(tracker, position: .first)
                await state.setPort(channel.localAddress?.port ?? 0)
            },
            logger: logger)
        run = LocalServerRun(app, connections: connections)
        // Bounded generously: at the start of a full run every suite starts its servers at once on two cores (a
        // clean-clone CI run saw 10 s pass three times).
        let deadline = ContinuousClock.now + .seconds(30)
        var bound = 0
        while bound == 0 {
            guard ContinuousClock.now < deadline else { throw TestGatewayError("the test gateway did not start") }
            try await Task.sleep(for: .milliseconds(5))
            bound = await state.port
        }
        self.port = bound
    }

    /// Shuts the server down (see ``LocalServerRun``): also drops a connection that never sent a request, which
    /// HummingbirdWebSocket's graceful shutdown cannot see (``AcceptedConnections``).
    func stop() async { await run.stop() }

    // MARK: - Gateway WebSocket

    private static func serveSocket(
        state: TestGatewayState, path: String, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter
    ) async throws {
        let connection = await state.opened(path: path, writer: outbound)
        do {
            let interval = await state.knobs.heartbeatIntervalMillis
            try await outbound.write(.text(GatewayFrame(.hello, d: .object(["heartbeat_interval": .int(interval)])).text))
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .text(let text) = message, let frame = GatewayFrame(text: text) else { continue }
                for reply in await state.received(frame, on: connection) {
                    switch reply {
                    case .send(let text):
                        try await outbound.write(.text(text))
                        if frame.opcode == .heartbeat { await state.ackWritten() }
                    case .close(let code): try await outbound.close(.unknown(UInt16(code)), reason: "closed by the test gateway")
                    }
                }
            }
        } catch {
            await state.closed(connection)
            throw error
        }
        await state.closed(connection)
    }

    // MARK: - REST

    private static func router(_ state: TestGatewayState) -> Router<BasicRequestContext> {
        let router = Router()
        let api = router.group("api/v10")
        api.get("users/@me") { request, _ -> Response in
            await state.countUsersMe()
            guard await authorized(request, state) else { return unauthorized() }
            if let status = await state.knobs.restStatus["users/@me"] { return failure(status) }
            return json(.ok, ["id": .string("bot-1"), "username": .string("gatewayd-test"), "bot": .bool(true)])
        }
        api.get("gateway/bot") { request, _ -> Response in
            guard await authorized(request, state) else { return unauthorized() }
            if let status = await state.knobs.restStatus["gateway/bot"] { return failure(status) }
            let knobs = await state.knobs
            return json(.ok, [
                "url": .string(await state.baseURL), "shards": .int(1),
                "session_start_limit": .object([
                    "total": .int(knobs.sessionStartTotal), "remaining": .int(knobs.sessionStartRemaining),
                    "reset_after": .int(knobs.sessionStartResetAfterMillis), "max_concurrency": .int(1),
                ]),
            ])
        }
        api.post("channels/:channel/messages") { request, context -> Response in
            guard await authorized(request, state) else { return unauthorized() }
            let channel = context.parameters.get("channel") ?? ""
            let body = try await request.body.collect(upTo: 1 << 20)
            let payload = JSONValue(parsing: Data(body.readableBytesView))
            let content = payload?["content"]?.stringValue ?? ""
            // `nonce`: integer or string, up to 25 characters; with `enforce_nonce` a repeat returns the first message.
            let nonce = payload?["nonce"]?.stringValue ?? payload?["nonce"]?.intValue.map { String($0) }
            if let nonce, nonce.count > 25 {
                await state.countPostAttempt()
                return json(.badRequest, ["message": .string("Invalid Form Body"), "code": .int(50035)])
            }
            let enforced = payload?["enforce_nonce"]?.boolValue == true ? nonce : nil
            if let limit = await state.nextRateLimit() {
                await state.countPostAttempt()
                var response = json(.tooManyRequests, [
                    "message": .string("You are being rate limited."), "retry_after": .double(limit.retryAfter),
                    "global": .bool(limit.global),
                ])
                response.headers[.retryAfter] = String(Int(limit.retryAfter.rounded(.up)))
                return response
            }
            if let failure = await state.knobs.channelFailures[channel] {
                await state.countPostAttempt()
                return json(.init(code: failure.status), ["message": .string("refused by the test gateway"), "code": .int(Int64(failure.code))])
            }
            if let enforced, let existing = await state.existingMessage(nonce: enforced) {
                return json(.ok, [
                    "id": .string(existing.id), "channel_id": .string(existing.channel), "content": .string(existing.content),
                    "nonce": .string(enforced),
                ])
            }
            let replyTo = payload?["message_reference"]?["message_id"]?.stringValue
            let number = await state.recordPost(channel: channel, content: content, nonce: nonce, replyTo: replyTo)
            if let enforced { await state.rememberNonce(enforced, id: "posted-\(number)", channel: channel, content: content) }
            await state.holdIfAsked(number)
            var message: [String: JSONValue] = ["id": .string("posted-\(number)"), "channel_id": .string(channel), "content": .string(content)]
            if let nonce { message["nonce"] = .string(nonce) }
            return json(.ok, message)
        }
        return router
    }

    private static func authorized(_ request: Request, _ state: TestGatewayState) async -> Bool {
        await state.recordREST(authorization: request.headers[.authorization], userAgent: request.headers[.userAgent])
    }

    /// An injected REST failure; a 429 says `retry_after: 7.5` (seconds).
    private static func failure(_ status: Int) -> Response {
        if status == 429 {
            var response = json(.tooManyRequests, ["message": .string("rate limited"), "retry_after": .double(7.5), "global": .bool(false)])
            response.headers[.retryAfter] = "8"
            return response
        }
        return json(.init(code: status), ["message": .string("injected failure \(status)"), "code": .int(0)])
    }

    private static func unauthorized() -> Response {
        json(.unauthorized, ["message": .string("401: Unauthorized"), "code": .int(0)])
    }

    private static func json(_ status: HTTPResponse.Status, _ object: [String: JSONValue]) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: JSONValue.object(object).text)))
    }
}
