import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayTelegram
@testable import GatewayDaemon
@testable import GatewayRuntime

/// The outbox against the local Telegram Bot API server: nothing is lost while Telegram is unreachable.
@Suite("Outbox with Telegram", .serialized)
struct TelegramOutboxTests {
    @Test("Telegram down, 100 messages queued, Telegram back: all 100 arrive once, in order per chat, paced")
    func outage() async throws {
        let dir = try TelegramTempDirectory()
        defer { dir.remove() }
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        let g = try await Harness(telegramYAML(server), environment: telegramEnvironment, path: dir.databasePath)
        try await g.waitFor("tg", .connected)
        await server.stop()  // Telegram becomes unreachable: the long poll fails
        try await g.waitUntil("the outage is noticed") { try await g.row("tg").state == .backingOff }
        for index in 0..<100 {
            _ = try await g.runner.router.submit(platform: "tg", target: index % 2 == 0 ? "42" : "43", text: "m\(index)")
        }
        try await g.settle()
        #expect(try await g.store.outbox(states: [.queued]).count == 100)
        #expect(await server.state.sent.isEmpty)

        try await server.start()  // back, on the same port
        while try await g.row("tg").state != .connected {
            g.clock.set(try #require(try await g.store.earliestDue()))
            try await g.settle()
        }
        // Sends are paced (1 per second per chat) on the manual clock: let the virtual seconds pass.
        // Bounded in real time, not in rounds: on a loaded machine a round may pass before the flusher moved.
        let deadline = ContinuousClock.now + .seconds(60)
        while try await !g.store.outbox(states: [.queued, .sending]).isEmpty, ContinuousClock.now < deadline {
            g.clock.advance(seconds: 1)
            try await Task.sleep(for: .milliseconds(5))
        }
        let sent = await server.state.sent
        let waiting = try await g.store.outbox(states: [.queued, .sending]).prefix(3).map { "\($0.text): \($0.error ?? "-")" }
        let state = try await g.row("tg").state
        #expect(sent.count == 100, "\(sent.count) arrived; waiting: \(waiting); tg: \(state)")
        #expect(sent.filter { $0.chat == "42" }.map(\.text) == stride(from: 0, to: 100, by: 2).map { "m\($0)" })
        #expect(sent.filter { $0.chat == "43" }.map(\.text) == stride(from: 1, to: 100, by: 2).map { "m\($0)" })
        #expect(try await g.store.outbox(states: [.sent]).count == 100)
        // Each arrived once (the count and order above). A send may have been retried without reaching the server:
        // on a loaded machine the virtual seconds above can outrun a real long poll, and the adapter's watchdog (on
        // the manual clock) then ends the link; the message is re-queued before it was sent, never after.
        let sentEntries = try await g.store.outbox(states: [.sent])
        #expect(sentEntries.allSatisfy { $0.platformIDs.count == 1 }, "\(sentEntries.filter { $0.attempts > 1 }.map { "\($0.text): \($0.error ?? "-")" })")
        try await g.stop()
        await server.stop()
    }
}
