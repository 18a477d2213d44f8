import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayTelegram
@testable import GatewayDaemon
@testable import GatewayRuntime

/// Inbound through the daemon's own inbox, against the local Telegram Bot API server and a local consumer webhook.
@Suite("Inbox with Telegram", .serialized)
struct TelegramInboxTests {
    @Test("updates held during a daemon outage reach the consumer once each after the restart; a consumer outage loses nothing")
    func outageAndRestart() async throws {
        let dir = try TelegramTempDirectory()
        defer { dir.remove() }
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        let consumer = WebhookReceiver()
        try await consumer.start()
        defer { consumer.stop() }
        let yaml = telegramYAML(server) + "\ninbox: { webhook: \"\(consumer.url("/in"))\" }\n"
        var expected: [Int64] = []
        for text in ["one", "two"] { expected.append(await server.state.enqueueMessage(text, chat: 42)) }
        consumer.refuseNext(2)  // the consumer is down at first

        var g = try await Harness(yaml, environment: telegramEnvironment, path: dir.databasePath)
        try await g.waitFor("tg", .connected)
        try await g.waitUntil("both stored") { try await g.store.inbox().count == 2 }
        for refusal in 1...2 {  // the dispatcher retries the head of the inbox on the manual clock: after 1 s, then 2 s
            try await g.waitUntil("refusal \(refusal) is recorded") { try await g.store.inbox().first?.attempts == refusal }
            let retryAt = try #require(try await g.store.inbox().first?.nextAttemptAt)
            #expect(retryAt - g.clock.nowMillis() == 1_000 << Int64(refusal - 1), "backoff 1 s, then 2 s")
            #expect(consumer.accepted.isEmpty, "nothing overtakes the head of the inbox")
            g.clock.set(retryAt)
            try await g.waitUntil("another delivery") { consumer.deliveries.count > refusal }
        }
        try await g.waitUntil("both acknowledged") { consumer.accepted.count == 2 }
        #expect(consumer.deliveries.count == 4 && consumer.deliveries.prefix(2).allSatisfy { !$0.accepted })
        #expect(try await g.runner.router.directory(platform: "tg").map(\.channel.id) == ["42"], "the chat is in the directory")
        // (Stopping between the consumer's 2xx and its record would redeliver that one message: at-least-once.)
        try await g.waitUntil("the acknowledgements are recorded") { try await g.store.pendingInbox().isEmpty }
        try await g.stop()

        // While no daemon runs, Telegram holds new updates.
        for text in ["three", "four"] { expected.append(await server.state.enqueueMessage(text, chat: 42)) }
        g = try await Harness(yaml, environment: telegramEnvironment, path: dir.databasePath)
        try await g.waitFor("tg", .connected)
        try await g.waitUntil("all four acknowledged") { consumer.accepted.count == 4 }
        try await g.settle()

        let keys = consumer.accepted.compactMap(\.idempotencyKey)
        #expect(Set(keys).count == 4 && keys.count == 4, "each update acknowledged exactly once: \(keys)")
        let texts = try consumer.accepted.map { try #require(try JSONSerialization.jsonObject(with: $0.body) as? [String: Any])["text"] as? String }
        #expect(texts == ["one", "two", "three", "four"])
        try await g.waitUntil("the acknowledgements are recorded") { try await g.store.pendingInbox().isEmpty }
        #expect(try await g.store.inbox().count == 4, "nothing stored twice")
        #expect(try await g.offsetCursor() == (expected.max() ?? 0) + 1, "the offset is exactly past what the inbox holds")
        try await g.stop()
        await server.stop()
    }
}

@Suite("Channel directory")
struct ChannelDirectoryTests {
    @Test("a reconnect whose adapter knows no chats yet keeps the directory; new chats are added as they appear")
    func keptAcrossReconnect() async throws {
        let dir = try TelegramTempDirectory()
        defer { dir.remove() }
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        _ = await server.state.enqueueMessage("hi", chat: 42)
        var g = try await Harness(telegramYAML(server), environment: telegramEnvironment, path: dir.databasePath)
        try await g.waitUntil("chat 42 is known") { try await g.runner.router.directory(platform: "tg").map(\.channel.id) == ["42"] }
        try await g.stop()
        g = try await Harness(telegramYAML(server), environment: telegramEnvironment, path: dir.databasePath)
        try await g.waitFor("tg", .connected)
        try await g.settle()
        #expect(try await g.runner.router.directory(platform: "tg").map(\.channel.id) == ["42"], "kept across the restart")
        _ = await server.state.enqueueMessage("hello", chat: -1001)
        try await g.waitUntil("both chats") { try await g.runner.router.directory(platform: "tg").count == 2 }
        try await g.stop()
        await server.stop()
    }
}
