import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayDiscord
@testable import GatewayDaemon
@testable import GatewayRuntime

/// The outbox against the local Discord gateway: nothing is lost while Discord is unreachable.
@Suite("Outbox with Discord", .serialized)
struct DiscordOutboxTests {
    @Test("Discord down, 100 messages queued, Discord back: all 100 arrive once, in order per channel")
    func outage() async throws {
        let f = try await DiscordFixture()
        try await f.g.waitFor("dc", .connected)
        try await f.g.settle()
        // Discord goes away: the socket closes and /gateway/bot fails until further notice.
        await f.state.update { $0.restStatus["gateway/bot"] = 502 }
        try await f.state.closeLive(code: 4000)
        try await f.g.waitFor("dc", .backingOff)
        for index in 0..<100 {
            _ = try await f.g.runner.router.submit(platform: "dc", target: index % 2 == 0 ? "111" : "222", text: "m\(index)")
        }
        try await f.g.advanceToFailedRetry()
        #expect(try await f.g.store.outbox(states: [.queued]).count == 100)
        #expect(await f.state.posts.isEmpty)

        await f.state.update { $0.restStatus["gateway/bot"] = nil }  // back
        while try await f.row().state != .connected {
            f.g.clock.set(try #require(try await f.g.store.earliestDue()))
            try await f.g.settle()
        }
        try await f.g.waitUntil("the outbox is flushed") { try await f.g.store.outbox(states: [.queued, .sending]).isEmpty }
        let posts = await f.state.posts
        #expect(posts.count == 100)
        #expect(posts.filter { $0.channel == "111" }.map(\.content) == stride(from: 0, to: 100, by: 2).map { "m\($0)" })
        #expect(posts.filter { $0.channel == "222" }.map(\.content) == stride(from: 1, to: 100, by: 2).map { "m\($0)" })
        #expect(try await f.g.store.outbox(states: [.sent]).count == 100)
        try await f.finish()
    }
}

extension Harness {
    /// Lets one scheduled retry happen (and fail) while the platform is still down.
    func advanceToFailedRetry() async throws {
        let before = try await row("dc").attempts
        clock.set(try #require(try await store.earliestDue()))
        try await waitUntil("the retry failed") {
            let now = try await row("dc")
            return now.attempts > before && now.state == .backingOff
        }
        try await settle()
    }
}
