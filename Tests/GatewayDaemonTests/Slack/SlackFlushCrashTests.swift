import Foundation
import GatewayStore
import Testing

extension FlushCrashProcessTests {
    @Test("Slack: all 100 arrive; exactly the in-flight message twice (chat.postMessage has no idempotency key)")
    func slack() async throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let tokens = (bot: "xoxb-flush-1111-bot-secret", app: "xapp-1-A0FLUSH1-2222-app-secret")
        let server = try await SlackTestServer.start(botToken: tokens.bot, appToken: tokens.app)
        setenv("SLACK_FLUSH_BOT", tokens.bot, 1)
        setenv("SLACK_FLUSH_APP", tokens.app, 1)
        // 50 channels, two messages each: Slack paces 1/s per channel after a burst of 3.
        let channels = (0..<50).map { String(format: "C0FLUSH%02d", $0) }
        let config = try config(
            "sl: { type: slack, app_token: ${SLACK_FLUSH_APP}, bot_token: ${SLACK_FLUSH_BOT}, api_base: \"\(server.apiBase)\", request_timeout: 30s }")
        let store = try Store(path: db)
        try await queueWhileStopped(config, platform: "sl", targets: channels, store: store)

        let daemon = try DaemonProcess(binary: binary, config: config, db: db)
        try await waitUntil("30 messages have arrived") { await server.state.posts.count >= 30 }
        await server.state.update { $0.acceptThenHang = true }  // the next one is created, its answer never comes
        try await waitUntil("a message is delivered but not yet answered") { await !server.state.acceptedThenHung.isEmpty }
        daemon.kill(SIGKILL)
        _ = await daemon.finished()
        let delivered = try #require(await server.state.acceptedThenHung.first)
        let flying = try await inFlight(store)
        #expect(flying.text == delivered.text && flying.target == delivered.channel, "the in-flight entry is the delivered one")
        let before = await server.state.posts.count
        #expect(before > 30 && before < Self.count, "killed in the middle (\(before) arrived)")

        try await restartAndFlush(config, store: store)
        let posts = await server.state.posts
        expectAllInOrder(posts.map { ($0.channel, $0.text) }, targets: channels)
        let repeated = Dictionary(grouping: posts, by: \.text).filter { $0.value.count > 1 }
        #expect(posts.count - Self.count <= 1, "at most one duplicate (\(posts.count - Self.count))")
        #expect(Array(repeated.keys) == [flying.text], "the duplicate is the message in flight at the kill")
        await server.stop()
    }
}
