import Foundation
import Testing

@testable import GatewayCore
@testable import GatewaySlack

/// The adapter against the local Slack: connect (auth.test → apps.connections.open → socket → hello), inbound
/// messages acknowledged only after the hand-off, redeliveries stored once, `disconnect` frames.
@Suite("Slack: Socket Mode")
struct SlackSocketModeTests {
    @Test("connect checks the bot token, opens one socket with the app token and returns after hello")
    func connects() async throws {
        let f = try await SlackFixture.make()
        defer { Task { await f.shutdown() } }
        let adapter = f.adapter()
        try await adapter.connect()
        #expect(await f.server.state.authTests == 1)
        #expect(await f.server.state.logins == 1)
        #expect(await f.server.state.connectionsTotal == 1)
        let authorizations = await f.server.state.authorizations
        #expect(authorizations == ["Bearer \(SlackFixture.botToken)", "Bearer \(SlackFixture.appToken)"], "each token in its own call, as a Bearer header")
        #expect(await adapter.identity?.userID == SlackServerState.botUserID)
        #expect(await adapter.channels().map(\.name) == ["#general", "#random"])
        await adapter.disconnect()
    }

    @Test("a user's message is handed off, then acknowledged; the bot's own echo and a slash command are acknowledged, not stored")
    func inboundThenAck() async throws {
        let f = try await SlackFixture.make()
        defer { Task { await f.shutdown() } }
        let adapter = f.adapter()
        try await adapter.connect()
        let running = Task { try await adapter.run() }
        let ids = await f.server.state.userPosts(["hello there"])
        try await waitUntil("the envelope is acknowledged") { await f.server.state.acked.count == 1 }
        let stored = try await f.inbox()
        #expect(stored.map(\.messageID) == ids)
        #expect(stored.first?.text == "hello there" && stored.first?.chat == "C0GENERAL" && stored.first?.sender == SlackServerState.userID)

        // The bot's own post comes back with bot_id; a slash command is not a chat message.
        _ = try await adapter.send(OutgoingMessage(target: "C0GENERAL", text: "echo me"))
        await f.server.state.enqueueEnvelope(type: "slash_commands", payload: .object(["command": .string("/deploy"), "text": .string("now")]))
        try await waitUntil("both are acknowledged") { await f.server.state.acked.count == 3 }
        #expect(try await f.inbox().count == 1, "neither the echo nor the command is stored")
        await adapter.disconnect()
        _ = await running.result
    }

    @Test("a hand-off that throws sends no ack: the envelope comes again on the next connection and is stored once")
    func handOffFailureMeansNoAck() async throws {
        let f = try await SlackFixture.make()
        defer { Task { await f.shutdown() } }
        f.sink.refuseNext(1)
        let first = f.adapter()
        try await first.connect()
        let running = Task { try await first.run() }
        await f.server.state.userPosts(["keep me"])
        let error = try #require(await running.result.failure as? AdapterError)
        #expect(error.code == "handoff_failed" && error.errorClass == .server)
        #expect(await f.server.state.acked.isEmpty, "nothing was acknowledged")
        #expect(try await f.inbox().isEmpty)

        let second = f.adapter()
        try await second.connect()
        let again = Task { try await second.run() }
        try await waitUntil("the redelivery is acknowledged") { await f.server.state.acked.count == 1 }
        let deliveries = await f.server.state.deliveries
        #expect(deliveries.map(\.attempt) == [0, 1] && deliveries.last?.reason == "timeout", "redelivered with retry_attempt 1")
        #expect(try await f.inbox().map(\.text) == ["keep me"])
        await second.disconnect()
        _ = await again.result
    }

    @Test("an envelope whose ack was lost is redelivered with retry_attempt and stored once (the inbox deduplicates)")
    func redeliveryStoredOnce() async throws {
        let f = try await SlackFixture.make()
        defer { Task { await f.shutdown() } }
        await f.server.state.update { $0.ignoreAcks = true }
        let first = f.adapter()
        try await first.connect()
        let running = Task { try await first.run() }
        await f.server.state.userPosts(["only once"])
        try await waitUntil("it is stored and its ack reached the server") { await f.server.state.ignoredAcks == 1 }
        #expect(try await f.inbox().count == 1)
        await f.server.state.update { $0.ignoreAcks = false }
        await f.server.state.dropSockets()
        let dropped = try #require(await running.result.failure as? AdapterError)
        #expect(dropped.errorClass == .network && dropped.code == "closed", "a socket closed without a disconnect frame is network")

        let second = f.adapter()
        try await second.connect()
        let again = Task { try await second.run() }
        try await waitUntil("the redelivery is acknowledged") { await f.server.state.acked.count == 1 }
        let deliveries = await f.server.state.deliveries
        let acked = await f.server.state.acked
        #expect(deliveries.map(\.attempt) == [0, 1], "\(deliveries) \(acked)")
        #expect(f.sink.handed.count == 2, "handed off twice")
        #expect(try await f.inbox().map(\.text) == ["only once"], "stored once")
        await second.disconnect()
        _ = await again.result
    }

    @Test("refresh_requested and warning: a new socket at once, inside run(); nothing is thrown and messages keep coming")
    func refresh() async throws {
        let f = try await SlackFixture.make()
        defer { Task { await f.shutdown() } }
        let adapter = f.adapter()
        try await adapter.connect()
        let running = Task { try await adapter.run() }
        for (n, reason) in ["refresh_requested", "warning"].enumerated() {
            await f.server.state.sendDisconnect(reason)
            // The old socket is closed only once the new one said hello.
            try await waitUntil("socket \(n + 2) is open and the old one closed") {
                let closed = await f.server.state.closedLog
                let open = await f.server.state.connectionsOpen
                return closed == Array(1...(n + 1)) && open == 1
            }
            #expect(await adapter.socketsOpened == n + 2)
        }
        await f.server.state.userPosts(["after the refresh"])
        try await waitUntil("it arrives on the new socket") { try await f.inbox().count == 1 }
        #expect(await f.server.state.logins == 3)
        #expect(await f.server.state.authTests == 1)
        await adapter.disconnect()
        try await running.value  // returned normally: no failure
    }

    @Test("link_disabled is auth; too_many_websockets is rate-limited for a minute; an unknown reason is unclassified network",
          arguments: [("link_disabled", ErrorClass.auth, Int64?.none, true), ("too_many_websockets", .rateLimited, 60_000, true),
                      ("socket_mode_maintenance", .network, nil, false)])
    func disconnectReasons(_ reason: String, _ errorClass: ErrorClass, _ wait: Int64?, _ classified: Bool) async throws {
        let f = try await SlackFixture.make()
        defer { Task { await f.shutdown() } }
        let adapter = f.adapter()
        try await adapter.connect()
        let running = Task { try await adapter.run() }
        await f.server.state.sendDisconnect(reason)
        let error = try #require(await running.result.failure as? AdapterError)
        #expect(error.errorClass == errorClass && error.retryAfterMillis == wait && error.classified == classified, "\(error)")
        #expect(error.scope == .connection)
    }

    @Test("a disconnect instead of hello fails the connect with its class")
    func disconnectBeforeHello() async throws {
        let f = try await SlackFixture.make()
        defer { Task { await f.shutdown() } }
        await f.server.state.update { $0.helloDisconnect = "link_disabled" }
        await #expect(throws: SlackFailures.linkDisabled.error()) { try await f.adapter().connect() }
    }

    @Test("no hello within request_timeout (on the injected clock) fails the connect as no_hello")
    func helloBound() async throws {
        let f = try await SlackFixture.make()
        defer { Task { await f.shutdown() } }
        // A socket URL that accepts the WebSocket but never says hello: the test server's /link with hello withheld.
        await f.server.state.update { $0.withholdHello = true }
        let connecting = Task { try await f.adapter().connect() }
        try await waitUntil("the socket is open and the bound is waiting") {
            await f.server.state.connectionsOpen == 1 && f.clock.sleeperCount >= 1
        }
        f.clock.advance(millis: 10_000)
        let error = try #require(await connecting.result.failure as? AdapterError)
        #expect(error.code == "no_hello" && error.errorClass == .network)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
