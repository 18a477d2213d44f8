import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayDiscord
@testable import GatewayDaemon
@testable import GatewayRuntime

/// The bot token reaches Discord (REST header, IDENTIFY, RESUME) and nothing else.
@Suite("Discord secrets", .serialized)
struct DiscordSecretTests {
    @Test("through connects, resumes, failures and sends, the token is in no log, error, cursor or database byte")
    func tokenNeverLeaks() async throws {
        let token = DiscordFixture.token
        let f = try await DiscordFixture()
        var errorTexts: [String] = []

        // Connect, receive, a loud failure (4001), resume.
        try await f.g.waitFor("dc", .connected)
        try await f.state.dispatchMessage(content: "hello")
        try await f.g.waitUntil("the message is handed on") { f.sink.messages.count == 1 }
        try await f.g.settle()
        try await f.state.closeLive(code: 4001)
        try await f.g.waitFor("dc", .backingOff)
        try await f.advanceToRetry()
        try await f.g.waitFor("dc", .connected)
        try await f.g.settle()

        // Sends that fail: rate limit too long, forbidden channel, not a channel.
        await f.state.update {
            $0.rateLimits = [TestGatewayState.RateLimit(retryAfter: 600, global: true)]
            $0.channelFailures["403"] = TestGatewayState.Failure(status: 403, code: 50013)
        }
        for (target, text) in [("100", "a"), ("403", "b"), ("\(token)", "c"), ("100", "")] {
            do { _ = try await f.g.runner.router.send(OutgoingMessage(target: target, text: text), on: "dc") } catch {
                errorTexts.append("\(error)")
            }
        }
        #expect(errorTexts.count == 4)

        // The session is invalidated, the re-IDENTIFY is refused with 4004, and the daemon restarts.
        await f.state.update { $0.identifyCloseCode = 4004 }
        try await f.state.sendRaw(GatewayFrame(.invalidSession, d: .bool(false)))
        try await f.g.waitFor("dc", .backingOff)
        try await f.advanceToRetry()
        try await f.g.waitFor("dc", .needsAttention)
        try await f.restart()
        try await f.g.settle()
        try await f.g.stop()

        // The token was really in use …
        #expect(await f.state.tokensSeen == [token])
        #expect(await f.state.identifies == 2)
        #expect(await f.state.resumes.count == 1)
        // … and went nowhere else.
        let row = try await f.row()
        errorTexts += [row.lastError ?? "", row.lastErrorCode ?? ""]
        errorTexts += try await f.g.store.events(platform: "dc", limit: 1_000).map { "\($0)" }
        #expect(errorTexts.contains { $0.contains("4001") } && errorTexts.contains { $0.contains("message_forbidden") })
        for text in errorTexts { #expect(!text.contains(token), "error text: \(text)") }
        let keys = ["session_id", "resume_gateway_url", "seq", "identify_remaining", "identify_total", "identify_reset_at"]
        for key in keys {
            let value = try await f.cursor(key)
            #expect(value != nil, "\(key) was written")
            #expect(value?.contains(token) != true, "cursor \(key)")
        }
        let logs = f.logs.text
        #expect(logs.contains("gatewayd bug") && logs.contains("identifying"), "the logs cover the failures")
        #expect(!logs.contains(token), "a log line holds the token")
        #expect(!logs.contains("discord-secret"), "not even part of it")
        #expect(try !databaseFilesContain(token, path: f.path))
        #expect(try !databaseFilesContain("discord-secret", path: f.path))
        await f.server.stop()
    }
}
