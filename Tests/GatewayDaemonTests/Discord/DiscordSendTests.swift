import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayDiscord
@testable import GatewayDaemon
@testable import GatewayRuntime

/// Sending through the router to `POST /channels/{id}/messages`: splitting, 429s, per-message failures.
@Suite("Discord sending", .serialized)
struct DiscordSendTests {
    private func connected(_ configure: @escaping @Sendable (inout TestGatewayState.Knobs) -> Void = { _ in }) async throws -> DiscordFixture {
        let f = try await DiscordFixture(configure: configure)
        try await f.g.waitFor("dc", .connected)
        try await f.g.settle()
        return f
    }

    private func send(_ f: DiscordFixture, to target: String = "100", _ text: String) async throws -> SentMessage {
        try await f.g.runner.router.send(OutgoingMessage(target: target, text: text), on: "dc")
    }

    @Test("a message is posted with the bot token and the DiscordBot User-Agent; long text is split at 2000")
    func postsAndSplits() async throws {
        let f = try await connected()
        #expect(try await send(f, "hello").ids == ["posted-1"])
        let long = String(repeating: "a", count: 4_500)
        #expect(try await send(f, long).ids == ["posted-2", "posted-3", "posted-4"])
        let posts = await f.state.posts
        #expect(posts.map(\.channel) == ["100", "100", "100", "100"])
        #expect(posts.map(\.content.count) == [5, 2_000, 2_000, 500])
        #expect(await f.state.userAgents == ["DiscordBot (https://github.com/gatewayd, 0.1)"])
        try await f.finish()
    }

    @Test("a 429 on send: the adapter waits retry_after on the clock, then the same message succeeds")
    func rateLimitedSendWaits() async throws {
        let f = try await connected { $0.rateLimits = [TestGatewayState.RateLimit(retryAfter: 2.5, global: false)] }
        let g = f.g
        let sending = Task { try await g.runner.router.send(OutgoingMessage(target: "100", text: "patience"), on: "dc") }
        try await f.serverSees("the first POST, answered 429") { $0.postAttempts == 1 }
        try await g.waitUntil("the adapter waits") { f.logs.text.contains("rate-limited sending; waiting") }
        #expect(f.logs.text.contains("discord.retry_after_ms=2500"))
        #expect(await f.state.posts.isEmpty, "not retried before the clock moves")
        g.clock.advance(millis: 2_500)
        #expect(try await sending.value.ids == ["posted-1"])
        #expect(await f.state.postAttempts == 2)
        #expect(try await f.row().state == .connected, "a 429 on send is not a connection failure")
        try await f.finish()
    }

    @Test("a global 429 holds every send until retry_after has passed")
    func globalRateLimitHoldsAll() async throws {
        let f = try await connected { $0.rateLimits = [TestGatewayState.RateLimit(retryAfter: 1, global: true)] }
        let g = f.g
        let first = Task { try await g.runner.router.send(OutgoingMessage(target: "100", text: "one"), on: "dc") }
        try await g.waitUntil("the first send waits") { f.logs.text.contains("discord.global=true") }
        let sleepers = g.clock.sleeperCount
        let second = Task { try await g.runner.router.send(OutgoingMessage(target: "102", text: "two"), on: "dc") }
        // (Other flows — the outbox flusher, the inbox dispatcher — sleep on the same clock, so count at least one more.)
        try await g.waitUntil("the second send waits on the clock too") { g.clock.sleeperCount >= sleepers + 1 }
        #expect(await f.state.postAttempts == 1, "the second send did not hit the API during the global limit")
        g.clock.advance(millis: 1_000)
        _ = try await first.value
        _ = try await second.value
        #expect(await f.state.posts.map(\.channel).sorted() == ["100", "102"])
        try await f.finish()
    }

    @Test("a 429 asking for more than a minute fails the send at once as rateLimited with the wait")
    func longRateLimitFails() async throws {
        let f = try await connected { $0.rateLimits = [TestGatewayState.RateLimit(retryAfter: 120, global: false)] }
        do {
            _ = try await send(f, "later")
            Issue.record("the send succeeded")
        } catch let error as AdapterError {
            #expect(error.errorClass == .rateLimited && error.code == "429" && error.retryAfterMillis == 120_000)
        }
        #expect(await f.state.postAttempts == 1)
        try await f.finish()
    }

    @Test("403, 404 and 50007 are per-message failures with their own codes; the connection stays up", arguments: [
        ("403", 403, 50013, "message_forbidden"), ("404", 404, 10003, "unknown_channel"), ("555", 403, 50007, "cannot_message_user"),
    ])
    func perMessageFailure(channel: String, status: Int, jsonCode: Int, code: String) async throws {
        let f = try await connected { $0.channelFailures[channel] = TestGatewayState.Failure(status: status, code: jsonCode) }
        do {
            _ = try await send(f, to: channel, "hi")
            Issue.record("the send succeeded")
        } catch let error as AdapterError {
            #expect(error.code == code && error.message.contains("code \(jsonCode)"))
        }
        try await f.g.settle()
        #expect(try await f.row().state == .connected)
        #expect(try await send(f, "still fine").ids == ["posted-1"])
        try await f.finish()
    }

    @Test("a target that is not a snowflake is refused before any request")
    func invalidTarget() async throws {
        let f = try await connected()
        await #expect(throws: AdapterError.self) { try await send(f, to: "#general", "hi") }
        await #expect(throws: AdapterError.self) { try await send(f, to: "100/../../users", "hi") }
        #expect(await f.state.postAttempts == 0)
        try await f.finish()
    }
}
