import Foundation
import GatewayCore
import GatewayStore
import Testing

/// The README's two surfaces end to end, through the built binary: the local Telegram server delivers messages, the
/// inbox webhook hands them to a bot, the bot answers through `POST /v1/messages`, and the replies reach the server
/// in order — also when they are posted during a Telegram outage, and across a SIGKILL of the daemon.
@Suite("Black box: an echo bot on the inbox webhook and POST /v1/messages", .serialized)
struct EchoBotTests {
    static func yaml(telegram: TelegramTestServer, webhook: String) -> String {
        """
        reconnect: { base: 500ms, factor: 1, cap: 500ms, jitter: 0, connect_timeout: 5s }
        when_all_failed: stay
        fleet: { lease: 3s }
        inbox: { webhook: "\(webhook)", secret: ${ECHO_SECRET} }
        platforms:
          tg: { type: telegram, token: ${TG_TOKEN}, api_base: "\(telegram.apiBase)", poll_timeout: 1s, request_timeout: 2s }
        """
    }

    @Test(
        "replies arrive in order, each once: while connected, posted during an outage, and across a SIGKILL",
        arguments: BlackboxBackend.available)
    func echo(backend: BlackboxBackend) async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let (db, store) = try await backend.open(gw)
        defer { Task { await store.close() } }
        let telegram = try await TelegramTestServer.start(token: telegramTestToken)
        let bot = EchoBot(secret: Secret(Self.secret))
        try await bot.start()
        setenv("TG_TOKEN", telegramTestToken, 1)
        setenv("ECHO_SECRET", Self.secret, 1)
        let config = try gw.config(Self.yaml(telegram: telegram, webhook: bot.webhook))
        var daemon = try gw.daemon(config, arguments: ["--http", "127.0.0.1:0"], db: db)
        bot.daemon(at: "http://127.0.0.1:\(try await daemon.httpPort())")
        func sentTexts() async -> [String] { await telegram.state.sent.map(\.text) }
        func expected(_ range: ClosedRange<Int>) -> [String] { range.map { "echo: m\($0)" } }

        // 1. Connected: each message comes back at once.
        _ = await telegram.state.enqueueMessages((1...5).map { "m\($0)" })
        try await waitUntil("five replies reach Telegram", every: .milliseconds(50)) { await sentTexts() == expected(1...5) }

        // 2. Replies posted while Telegram is down are accepted (202, queued) and flushed after the reconnect.
        bot.hold()
        _ = await telegram.state.enqueueMessages((6...8).map { "m\($0)" })
        try await waitUntil("the bot has m6…m8", every: .milliseconds(50)) { bot.received.count == 8 }
        await telegram.stop()
        try await waitUntil("tg is down", every: .milliseconds(50)) {
            try await store.platform("tg").map { $0.state != .connected } == true
        }
        bot.release()
        try await waitUntil("the three replies are accepted", every: .milliseconds(50)) { bot.accepted.count == 8 }
        #expect(try await store.outbox(states: [.queued, .sending]).count == 3, "queued during the outage")
        try await telegram.start()
        try await waitUntil("the held replies are flushed", every: .milliseconds(50)) { await sentTexts() == expected(1...8) }

        // 3. SIGKILL: messages that arrive while the daemon is dead are polled after the restart (the offset is
        // persisted); a webhook redelivered after the kill queues no second reply (idempotency key).
        bot.hold()
        _ = await telegram.state.enqueueMessages(["m9", "m10"])
        try await waitUntil("the bot has m9, m10", every: .milliseconds(50)) { bot.received.count >= 10 }
        daemon.kill(SIGKILL)
        _ = await daemon.finished()
        bot.daemon(at: nil)
        bot.release()
        _ = await telegram.state.enqueueMessages(["m11"])
        // On PostgreSQL the restarted daemon is a new member of the fleet: it claims tg once the killed one's
        // lease (3 s) has run out.
        daemon = try gw.daemon(config, arguments: ["--http", "127.0.0.1:0"], db: db)
        bot.daemon(at: "http://127.0.0.1:\(try await daemon.httpPort())")
        try await waitUntil("every reply reached Telegram", every: .milliseconds(50)) { await sentTexts().count >= 11 }
        try await Task.sleep(for: .milliseconds(300))  // room for a duplicate to show up, were there one
        let final = await sentTexts()
        #expect(final == expected(1...11), "in order, each once: \(final); the bot saw \(bot.received.map(\.text))")
        #expect(Set(bot.received.map(\.messageID)).count == 11, "the bot saw every message")
        let answered = Dictionary(bot.received.map { ("echo: \($0.text)", $0.messageID) }, uniquingKeysWith: { first, _ in first })
        for reply in await telegram.state.sent {
            #expect(reply.replyTo.map { "42:\($0)" } == answered[reply.text], "\(reply.text) threads under its message")
        }
        #expect(bot.received.allSatisfy { $0.idempotencyKey == "tg:\($0.messageID)" }, "Idempotency-Key: <platform>:<message id>")

        #expect(bot.rejected.isEmpty, "every webhook request verified: \(bot.rejected)")
        #expect(bot.raw.allSatisfy { $0.signature?.hasPrefix("v0=") == true })

        // The README's verification snippet (contrib/verify_webhook.py) agrees; the bot refuses forgeries.
        let genuine = try #require(bot.raw.first)
        #expect(try await Self.pythonVerify(genuine) == 0)
        #expect(try await Self.pythonVerify(EchoBot.Raw(body: genuine.body + [0x20], timestamp: genuine.timestamp, signature: genuine.signature)) == 1)
        let replayed = try await http(.POST, bot.webhook, body: String(decoding: genuine.body, as: UTF8.self), headers: [
            WebhookSignature.timestampHeader: "\(Int64(Date().timeIntervalSince1970) - 600)",
            WebhookSignature.signatureHeader: WebhookSignature.signature(
                body: genuine.body, timestamp: Int64(Date().timeIntervalSince1970) - 600, secret: Secret(Self.secret)),
        ])
        let tampered = try await http(.POST, bot.webhook, body: String(decoding: genuine.body, as: UTF8.self).replacingOccurrences(of: "m1", with: "m2"),
                                      headers: [WebhookSignature.timestampHeader: genuine.timestamp ?? "", WebhookSignature.signatureHeader: genuine.signature ?? ""])
        #expect(replayed.status == 401 && tampered.status == 401)
        #expect(bot.rejected == [.stale, .mismatch])
        #expect(!daemon.log.contains(Self.secret), "the secret is never logged")

        daemon.kill(SIGTERM)
        let result = await daemon.finished()
        #expect(result.status == 0, "\(result.stderr.suffix(2_000))")
        await bot.stop()
        await telegram.stop()
    }

    static let secret = "echo-webhook-secret-\(UUID().uuidString)"

    /// Runs contrib/verify_webhook.py on one request; its exit status (0 genuine, 1 rejected).
    static func pythonVerify(_ raw: EchoBot.Raw) async throws -> Int32 {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "../../../contrib/verify_webhook.py").standardized
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, secret, raw.timestamp ?? "", raw.signature ?? ""]
        let input = Pipe()
        process.standardInput = input
        process.standardError = FileHandle.nullDevice
        let exited = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in exited.continuation.finish() }
        try process.run()
        input.fileHandleForWriting.write(Data(raw.body))
        try input.fileHandleForWriting.close()
        for await _ in exited.stream {}
        return process.terminationStatus
    }
}
