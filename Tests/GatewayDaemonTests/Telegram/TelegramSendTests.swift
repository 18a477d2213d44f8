import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayTelegram
@testable import GatewayDaemon
@testable import GatewayRuntime

/// sendMessage through the delivery router: splitting, pacing on the manual clock, per-chat order, and failures of
/// one message that leave the connection alone.
@Suite("Telegram send")
struct TelegramSendTests {
    /// A connected gateway, settled.
    private func connected(_ server: TelegramTestServer) async throws -> Harness {
        let g = try await Harness(telegramYAML(server), environment: telegramEnvironment)
        try await g.waitFor("tg", .connected)
        try await server.waitForHeldPoll()
        try await g.settle()
        return g
    }

    private func send(_ g: Harness, _ text: String, to target: String) -> Task<SentMessage, any Error> {
        Task { try await g.runner.router.send(OutgoingMessage(target: target, text: text), on: "tg") }
    }

    @Test("a long text is split at newlines into parts of ≤ 4096 UTF-16 units, sent in order, one per second")
    func longTextSplit() async throws {
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        let g = try await connected(server)
        let line = "🙂 status line with emoji 🚀 " + String(repeating: "x", count: 60)
        let text = (1...200).map { "\($0) \(line)" }.joined(separator: "\n")
        let parts = TelegramTextSplitter.split(text)
        #expect(parts.count >= 4, "long enough to need several parts")
        let sending = send(g, text, to: "42")
        for sentSoFar in 1..<parts.count {
            try await server.waitUntil("part \(sentSoFar) is sent") { await $0.sent.count == sentSoFar }
            try await g.waitForPacedSend()  // the next part waits on the clock
            #expect(await server.state.sent.count == sentSoFar, "paced: the next part waits for the clock")
            g.clock.advance(seconds: 1)
        }
        let result = try await sending.value
        let sent = await server.state.sent
        #expect(sent.map(\.text) == parts)
        #expect(sent.allSatisfy { $0.chat == "42" && $0.text.utf16.count <= 4_096 })
        #expect(sent.map(\.text).joined(separator: "\n") == text, "split only at newlines; nothing lost")
        #expect(result.ids == sent.map { "42:\($0.messageID)" })
        try await g.stop()
        await server.stop()
    }

    @Test("messages to one chat keep their order behind a long one; another chat does not wait")
    func perChatOrder() async throws {
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        let g = try await connected(server)
        let long = String(repeating: "A", count: 3_000) + "\n" + String(repeating: "B", count: 3_000)
        let first = send(g, long, to: "42")
        try await server.waitUntil("the first part is sent") { await $0.sent.count == 1 }
        try await g.waitForPacedSend()
        let second = send(g, "second", to: "42")
        let other = send(g, "other chat", to: "-1001")
        _ = try await other.value  // not held back by chat 42's pacing
        #expect(await server.state.sent.map(\.chat) == ["42", "-1001"])
        g.clock.advance(seconds: 1)
        _ = try await first.value
        try await g.waitForPacedSend()  // "second" waits one second after the last part
        #expect(await server.state.sent.count == 3)
        g.clock.advance(seconds: 1)
        _ = try await second.value
        let toChat42 = await server.state.sent.filter { $0.chat == "42" }.map(\.text)
        #expect(toChat42 == [String(repeating: "A", count: 3_000), String(repeating: "B", count: 3_000), "second"])
        try await g.stop()
        await server.stop()
    }

    struct MessageFault: Sendable, CustomTestStringConvertible {
        let fault: TelegramServerFault
        let says: String
        var testDescription: String { says }
    }

    @Test("a failure of one message is per-message; the platform stays connected and sends again", arguments: [
        MessageFault(fault: .blocked, says: "bot was blocked by the user"),
        MessageFault(fault: .chatNotFound, says: "chat not found"),
        MessageFault(fault: .migrated(to: -100_555), says: "-100555"),
    ])
    func perMessageFailure(_ c: MessageFault) async throws {
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        let g = try await connected(server)
        await server.state.inject(c.fault, on: "sendMessage")
        do {
            _ = try await send(g, "hello", to: "42").value
            Issue.record("the send should have failed")
        } catch let error as AdapterError {
            #expect(error.isPerMessage && error.code == "per_message" && error.errorClass == .server)
            #expect(error.message.contains(c.says))
        }
        try await g.settle()
        #expect(try await g.row("tg").state == .connected)
        #expect(!(try await g.kinds("tg").contains(.disconnected)))
        _ = try await send(g, "again", to: "43").value
        #expect(await server.state.sent.map(\.text) == ["again"])
        try await g.stop()
        await server.stop()
    }

    @Test("429 on send: rateLimited with its retry_after, and that chat waits it out on the clock")
    func rateLimitedSend() async throws {
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        let g = try await connected(server)
        await server.state.inject(.tooManyRequests(retryAfter: 5), on: "sendMessage")
        do {
            _ = try await send(g, "first", to: "42").value
            Issue.record("the send should have failed")
        } catch let error as AdapterError {
            #expect(error.errorClass == .rateLimited && error.code == "429" && error.retryAfterMillis == 5_000)
            #expect(!error.isPerMessage)
        }
        let retry = send(g, "retry", to: "42")
        try await g.waitForPacedSend()
        g.clock.advance(seconds: 4)
        try await g.waitForPacedSend()
        #expect(await server.state.sent.isEmpty, "held back until retry_after")
        g.clock.advance(seconds: 1)
        _ = try await retry.value
        #expect(await server.state.sent.map(\.text) == ["retry"])
        #expect(try await g.row("tg").state == .connected)
        try await g.stop()
        await server.stop()
    }

    @Test("bad targets and empty texts fail locally as per-message")
    func localValidation() async throws {
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        let g = try await connected(server)
        for (target, text) in [("not a chat", "hi"), ("42", "  \n ")] {
            await #expect(throws: AdapterError.self) { _ = try await send(g, text, to: target).value }
            do { _ = try await send(g, text, to: target).value } catch let error as AdapterError {
                #expect(error.isPerMessage)
            }
        }
        #expect(await server.state.calls["sendMessage"] == nil)
        try await g.stop()
        await server.stop()
    }
}
