import Foundation
import Testing

@testable import GatewayCore
@testable import GatewaySlack

/// chat.postMessage: splitting, threads, per-channel pacing on the manual clock, the target rules.
@Suite("Slack: sending")
struct SlackSendTests {
    @Test("a long text goes as parts of at most 4,000 characters, in order; joined they are the text")
    func splits() async throws {
        let f = try await SlackFixture.make()
        defer { Task { await f.shutdown() } }
        // ~3,400 characters of words and a line break, then 4,500 without a break: cut at the line break, then at 4,000.
        let text = (0..<500).map { "word\($0)" }.joined(separator: " ") + "\n" + String(repeating: "x", count: 4_500)
        // Three parts are within the burst: nothing waits on the clock.
        let sent = try await f.adapter().send(OutgoingMessage(target: "C0GENERAL", text: text))
        let posts = await f.server.state.posts
        #expect(posts.count == sent.ids.count && posts.count == 3, "\(posts.map(\.text.count))")
        #expect(posts.allSatisfy { $0.text.count <= 4_000 })
        #expect(posts.map(\.text).joined() == text)
        #expect(sent.ids == posts.map { "C0GENERAL:\($0.ts)" })
        #expect(SlackTextSplitter.split("") == [] && SlackTextSplitter.split("short") == ["short"])
        #expect(SlackTextSplitter.split(String(repeating: "é", count: 8_001)).map(\.count) == [4_000, 4_000, 1])
    }

    @Test("reply_to <channel>:<ts> threads every part under it; from another channel it is sent unthreaded")
    func threads() async throws {
        let f = try await SlackFixture.make()
        defer { Task { await f.shutdown() } }
        let adapter = f.adapter()
        _ = try await adapter.send(OutgoingMessage(target: "C0GENERAL", text: "in thread", replyTo: "C0GENERAL:1700000000.000042"))
        _ = try await adapter.send(OutgoingMessage(target: "C0RANDOM1", text: "elsewhere", replyTo: "C0GENERAL:1700000000.000042"))
        let posts = await f.server.state.posts
        #expect(posts.map(\.threadTS) == ["1700000000.000042", nil])
        let bad = try await #require(throws: AdapterError.self) {
            try await adapter.send(OutgoingMessage(target: "C0GENERAL", text: "x", replyTo: "42"))
        }
        #expect(bad.isPerMessage)
        #expect(SlackPlatform.kind.replyToProblem("C0GENERAL:1700000000.000042") == nil)
        #expect(SlackPlatform.kind.replyToProblem("C0GENERAL") != nil)
    }

    @Test("an inbound reply names its thread as reply_to, in the same id form")
    func inboundReply() {
        let payload = SlackServerStateFixtures.callback(["type": "message", "channel": "C0GENERAL", "user": "U1", "text": "re",
                                                          "ts": "1700000000.000050", "thread_ts": "1700000000.000042"])
        let message = SlackInbound.message(payload, platform: "sl", ownUserID: "UBOT")
        #expect(message?.id == "C0GENERAL:1700000000.000050" && message?.replyTo == "C0GENERAL:1700000000.000042")
        #expect(message?.sentAt == 1_700_000_000_000)
        let edited = SlackServerStateFixtures.callback(["type": "message", "subtype": "message_changed", "channel": "C0GENERAL", "ts": "1.2"])
        #expect(SlackInbound.message(edited, platform: "sl", ownUserID: "UBOT") == nil)
        let own = SlackServerStateFixtures.callback(["type": "message", "channel": "C0GENERAL", "user": "UBOT", "text": "me", "ts": "1.2"])
        #expect(SlackInbound.message(own, platform: "sl", ownUserID: "UBOT") == nil)
    }

    @Test("pacing: a burst of 3 per channel at once, then one per second on the clock; another channel is not held")
    func pacing() async throws {
        let f = try await SlackFixture.make()
        defer { Task { await f.shutdown() } }
        let adapter = f.adapter()
        let sending = Task {
            for n in 1...5 { _ = try await adapter.send(OutgoingMessage(target: "C0GENERAL", text: "m\(n)")) }
        }
        try await waitUntil("the burst went and the fourth waits on the clock") {
            await f.server.state.posts.count == 3 && f.clock.sleeperCount >= 1
        }
        _ = try await adapter.send(OutgoingMessage(target: "C0RANDOM1", text: "other channel"))
        #expect(await f.server.state.posts.filter { $0.channel == "C0GENERAL" }.count == 3)
        f.clock.advance(millis: 999)
        try await waitUntil("still waiting") { f.clock.sleeperCount >= 1 }
        #expect(await f.server.state.posts.filter { $0.channel == "C0GENERAL" }.count == 3, "not before a second")
        f.clock.advance(millis: 1)
        try await waitUntil("the fourth went and the fifth waits") {
            await f.server.state.posts.filter { $0.channel == "C0GENERAL" }.count == 4 && f.clock.sleeperCount >= 1
        }
        f.clock.advance(millis: 1_000)
        try await sending.value
        #expect(await f.server.state.posts.filter { $0.channel == "C0GENERAL" }.map(\.text) == ["m1", "m2", "m3", "m4", "m5"])
    }

    @Test("targets: conversation and user ids are accepted; anything else is refused when queued and when sent")
    func targets() async throws {
        for good in ["C0GENERAL", "G0PRIV", "D0DM", "U0USER", "W0ENT"] { #expect(SlackPlatform.kind.targetProblem(good) == nil, "\(good)") }
        for bad in ["#general", "general", "c0lower", "C", "123"] { #expect(SlackPlatform.kind.targetProblem(bad) != nil, "\(bad)") }
        let f = try await SlackFixture.make()
        defer { Task { await f.shutdown() } }
        let error = try await #require(throws: AdapterError.self) {
            try await f.adapter().send(OutgoingMessage(target: "#general", text: "x"))
        }
        #expect(error.isPerMessage && error.code == "invalid_target")
        #expect(await f.server.state.posts.isEmpty)
    }
}

/// Event payloads for the pure mapping tests.
enum SlackServerStateFixtures {
    static func callback(_ event: [String: String]) -> SlackJSON {
        SlackServerState.callback(.object(event.mapValues { .string($0) }))
    }
}
