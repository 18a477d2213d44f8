import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime
@testable import GatewaySlack

/// The Slack platform inside the daemon (the in-process harness, manual clock).
@Suite("Slack: under supervision")
struct SlackSupervisionTests {
    static let environment = ["SL_APP": SlackFixture.appToken, "SL_BOT": SlackFixture.botToken]

    static func yaml(_ server: SlackTestServer) -> String {
        """
        reconnect: { base: 30s, jitter: 0, connect_timeout: 30s }
        when_all_failed: stay
        platforms:
          sl: { type: slack, app_token: ${SL_APP}, bot_token: ${SL_BOT}, api_base: "\(server.apiBase)" }
        """
    }

    @Test("refresh_requested costs no attempt, no backoff and no event: the row stays connected and messages keep arriving")
    func refreshIsFree() async throws {
        let server = try await SlackTestServer.start(botToken: SlackFixture.botToken, appToken: SlackFixture.appToken)
        let logs = LogCapture()
        let g = try await Harness(Self.yaml(server), environment: Self.environment, logger: logs.logger())
        try await g.waitFor("sl", .connected)
        try await g.settle()
        let before = try await g.row("sl")
        let events = try await g.store.eventCount(platform: "sl")
        await server.state.sendDisconnect("refresh_requested")
        try await g.waitUntil("the new socket is open and the old one closed") {
            let closed = await server.state.closedLog
            let open = await server.state.connectionsOpen
            return closed == [1] && open == 1
        }
        await server.state.userPosts(["after refresh"])
        try await g.waitUntil("it is in the inbox") { try await g.store.inbox(platform: "sl").count == 1 }
        let after = try await g.row("sl")
        #expect(after.state == .connected && after.attempts == before.attempts, "attempts \(before.attempts) → \(after.attempts)")
        #expect(after.connectedSince == before.connectedSince, "the same connection, as far as supervision knows")
        #expect(try await g.store.eventCount(platform: "sl") == events, "no disconnected/attempt event")
        #expect(await server.state.logins == 2)

        // A dropped socket, by contrast, is a network failure: the row leaves connected.
        await server.state.dropSockets()
        try await g.waitUntil("the drop is recorded") { try await g.row("sl").lastErrorCode == "closed" }
        #expect(try await g.row("sl").lastErrorClass == .network)
        try await g.stop()
        await server.stop()
        for secret in [SlackFixture.appToken, SlackFixture.botToken] { #expect(!logs.text.contains(secret)) }
    }

    @Test("a wrong bot token parks the platform in needs_attention (auth) after one check, and no socket is asked for")
    func wrongToken() async throws {
        let server = try await SlackTestServer.start(botToken: "xoxb-the-real-one", appToken: SlackFixture.appToken)
        let g = try await Harness(Self.yaml(server), environment: Self.environment)
        try await g.waitFor("sl", .needsAttention)
        let row = try await g.row("sl")
        #expect(row.lastErrorClass == .auth && row.lastErrorCode == "invalid_auth")
        #expect(!(row.lastError ?? "").contains(SlackFixture.botToken))
        #expect(await server.state.logins == 0)
        #expect(await server.state.authTests == 1)
        try await g.stop()
        await server.stop()
    }
}
