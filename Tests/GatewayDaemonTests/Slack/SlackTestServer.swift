import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

@testable import GatewaySlack

/// A local Slack on 127.0.0.1, written from the documented wire format: the Web API under `/api` (`auth.test`,
/// `apps.connections.open`, `chat.postMessage`, `users.conversations`; 200 `{"ok": …}` answers, 429 with
/// `Retry-After`) and the Socket Mode WebSocket on `/link` of the same port (`hello`, `events_api` envelopes that
/// must be acknowledged, redelivery of unacknowledged ones on the next connection with `retry_attempt`/
/// `retry_reason`, `disconnect` frames on demand). Faults through ``state``.
///
/// Starts on a free port; ``stop()`` drops every connection and the port refuses; ``start()`` comes back on the
/// same port with the same state.
final class SlackTestServer: Sendable {
    let state: SlackServerState
    private let current = LockedRun()

    var port: Int { current.port }
    var apiBase: String { "http://127.0.0.1:\(port)/api" }

    /// Starts on a free port and waits (bounded, real time) until it listens.
    static func start(botToken: String, appToken: String) async throws -> SlackTestServer {
        let server = SlackTestServer(state: SlackServerState(botToken: botToken, appToken: appToken))
        try await server.start()
        return server
    }

    private init(state: SlackServerState) { self.state = state }

    /// Listens again on the port it had (a free one the first time).
    func start() async throws {
        let state = state
        let connections = AcceptedConnections()
        let tracker = connections.handler()
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: Self.router(state),
            server: .http1WebSocketUpgrade { request, _, _ in
                guard (request.path ?? "").hasPrefix("/link") else { return .dontUpgrade }
                return .upgrade([:]) { inbound, outbound, _ in
                    try await Self.serveSocket(state: state, inbound: inbound, outbound: outbound)
                }
            },
            configuration: .init(address: .hostname("127.0.0.1", port: current.port)),
            onServerRunning: { channel in
                try? await channel.pipeline.addHandler(tracker, position: .first)
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: Logger(label: "slack-test-server") { _ in SwiftLogNoOpLogHandler() })
        let run = LocalServerRun(app, connections: connections, onExit: { continuation.finish() })
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            await run.stop()
            throw SlackTestServerError("the local Slack did not start (port \(current.port) taken?)")
        }
        current.set(run, port: port)
        await state.update { $0.port = port }
    }

    /// Goes away: every connection is dropped and the port refuses until ``start()``.
    func stop() async {
        guard let run = current.take() else { return }
        await run.stop(grace: .milliseconds(200))
    }

    // MARK: - Socket Mode

    private static func serveSocket(
        state: SlackServerState, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter
    ) async throws {
        let socket = await state.opened(outbound)
        defer { Task { await state.closed(socket) } }
        if let reason = await state.helloDisconnect {
            try await outbound.write(.text(SlackJSON.object(["type": .string("disconnect"), "reason": .string(reason)]).text))
            // Then wait for the client to close, as Slack leaves the socket to it. Returning at once closed the
            // connection right behind the frame, and the WebSocket client then sometimes delivered neither the frame
            // nor the close (in about half the runs of this suite): the connect waited for hello on the test's manual
            // clock, for ever. Production has the hello bound on the real clock for that case.
            for try await _ in inbound.messages(maxSize: 1 << 20) {}
            return
        }
        if await state.withholdHello {
            for try await _ in inbound.messages(maxSize: 1 << 20) {}
            return
        }
        let open = await state.connectionsOpen
        try await outbound.write(.text(SlackJSON.object([
            "type": .string("hello"), "num_connections": .number(Double(open)),
            "debug_info": .object(["host": .string("applink-test"), "approximate_connection_time": .number(18060)]),
            "connection_info": .object(["app_id": .string("A0APP001")]),
        ]).text))
        await state.deliverAll()
        for try await message in inbound.messages(maxSize: 1 << 20) {
            guard case .text(let text) = message, let json = SlackJSON(parsing: text),
                let envelope = json["envelope_id"]?.string
            else { continue }
            await state.ack(envelope)
        }
        await state.closed(socket)
    }

    // MARK: - Web API

    private static func router(_ state: SlackServerState) -> Router<BasicRequestContext> {
        let router = Router()
        let api = router.group("api")
        api.post("auth.test") { request, _ -> Response in
            await state.countAuthTest()
            if let failure = await check(request, state, method: "auth.test", token: await state.botToken) { return failure }
            return ok(["url": .string("https://test.slack.com/"), "team": .string("Test"), "user": .string("gatewayd"),
                       "team_id": .string("T0TEAM01"), "user_id": .string(SlackServerState.botUserID),
                       "bot_id": .string(SlackServerState.botID)])
        }
        api.post("apps.connections.open") { request, _ -> Response in
            await state.countLogin()
            if let failure = await check(request, state, method: "apps.connections.open", token: await state.appToken) { return failure }
            let port = await state.port
            return ok(["url": .string("ws://127.0.0.1:\(port)/link/?ticket=\(UUID().uuidString)&app_id=A0APP001")])
        }
        api.post("chat.postMessage") { request, _ -> Response in
            if let failure = await check(request, state, method: "chat.postMessage", token: await state.botToken) { return failure }
            let body = try await request.body.collect(upTo: 1 << 20)
            guard let json = SlackJSON(parsing: Data(body.readableBytesView)), let channel = json["channel"]?.string else {
                return error("invalid_arguments")
            }
            if let code = await state.channelErrors[channel] { return error(code) }
            let text = json["text"]?.string ?? ""
            guard !text.isEmpty else { return error("no_text") }
            guard text.count <= 40_000 else { return error("msg_too_long") }
            let ts = await state.post(channel: channel, text: text, threadTS: json["thread_ts"]?.string)
            if await state.takeAcceptThenHang() {
                // Held until the client gives up or the server stops (bounded: a shutdown waits for it).
                try? await Task.sleep(for: .seconds(15))
            }
            return ok(["channel": .string(channel), "ts": .string(ts), "message": .object(["text": .string(text), "ts": .string(ts)])])
        }
        api.post("users.conversations") { request, _ -> Response in
            if let failure = await check(request, state, method: "users.conversations", token: await state.botToken) { return failure }
            let channels = await state.channels.map { channel -> SlackJSON in
                .object(["id": .string(channel.id), "name": .string(channel.name), "is_channel": .bool(true), "is_member": .bool(true)])
            }
            return ok(["channels": .array(channels), "response_metadata": .object(["next_cursor": .string("")])])
        }
        return router
    }

    /// The token check and the injected faults of one call; nil when the call may go on.
    private static func check(_ request: Request, _ state: SlackServerState, method: String, token: String) async -> Response? {
        let authorization = request.headers[.authorization]
        await state.sawRequest(authorization: authorization, url: request.uri.description)
        let injected = await state.injected(method)
        if let status = injected.status {
            return Response(status: .init(code: status), body: .init(byteBuffer: ByteBuffer(string: "<html>injected \(status)</html>")))
        }
        if let retryAfter = injected.retryAfter {
            return Response(
                status: .tooManyRequests, headers: [.contentType: "application/json", .retryAfter: "\(retryAfter)"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"ok":false,"error":"ratelimited"}"#)))
        }
        guard let authorization else { return error("not_authed") }
        guard authorization == "Bearer \(token)" else { return error("invalid_auth") }
        if let code = injected.error { return error(code) }
        return nil
    }

    private static func ok(_ fields: [String: SlackJSON]) -> Response {
        var fields = fields
        fields["ok"] = .bool(true)
        return json(.object(fields))
    }

    private static func error(_ code: String) -> Response { json(.object(["ok": .bool(false), "error": .string(code)])) }

    private static func json(_ value: SlackJSON) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: value.text)))
    }
}

/// The running server and its port, behind a lock (the class is Sendable; start/stop happen from tests).
private final class LockedRun: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var run: LocalServerRun?
    private var boundPort = 0

    var port: Int { lock.withLock { boundPort } }

    func set(_ run: LocalServerRun, port: Int) { lock.withLock { self.run = run; boundPort = port } }

    func take() -> LocalServerRun? {
        lock.withLock {
            defer { run = nil }
            return run
        }
    }
}

struct SlackTestServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
