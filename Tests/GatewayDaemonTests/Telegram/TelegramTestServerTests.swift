import Foundation
import Testing

@testable import GatewayCore
@testable import GatewayTelegram
@testable import GatewayDaemon
@testable import GatewayRuntime

/// The local Bot API server behaves like the real one where the adapter depends on it.
@Suite("Telegram test server")
struct TelegramTestServerTests {
    private func client(_ server: TelegramTestServer, token: String = telegramTestToken) -> TelegramClient {
        TelegramClient(settings: TelegramSettings(
            token: Secret(token), apiBase: server.apiBase, pollTimeoutSeconds: 1, requestTimeoutMillis: 5_000))
    }

    private func poll(_ client: TelegramClient, offset: Int64?, limit: Int = 100, timeout: Int = 0) async throws -> [Int64] {
        let updates: [TelegramUpdate] = try await client.call(
            .getUpdates, TelegramGetUpdates(offset: offset, limit: limit, timeout: timeout, allowedUpdates: []),
            deadlineMillis: 10_000)
        return updates.map(\.updateID)
    }

    @Test("getUpdates: limit caps a batch; an offset confirms (drops) everything below it")
    func limitAndOffset() async throws {
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        let ids = await server.state.enqueueMessages(["a", "b", "c"])
        let client = client(server)
        #expect(try await poll(client, offset: nil, limit: 2) == Array(ids.prefix(2)))
        #expect(try await poll(client, offset: nil) == ids, "not confirmed yet: all come again")
        #expect(try await poll(client, offset: ids[1] + 1) == [ids[2]])
        #expect(await server.state.pendingIDs == [ids[2]])
        await server.stop()
    }

    @Test("a long poll is held: it answers when an update is queued, or with [] at its timeout")
    func longPollHold() async throws {
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        let client = client(server)
        let held = Task { try await poll(client, offset: nil, timeout: 30) }
        try await server.waitForHeldPoll()
        let id = await server.state.enqueueMessage("wake up")
        #expect(try await held.value == [id], "answered by the enqueue, not by the 30 s timeout")
        #expect(try await poll(client, offset: id + 1, timeout: 1) == [], "nothing queued: [] at the timeout")
        await server.stop()
    }

    @Test("a wrong token is 401; a stopped server refuses; a restarted one answers on the same port")
    func tokenAndRestart() async throws {
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        let port = server.port
        await #expect(throws: TelegramFailure.api(method: .getMe, status: 401, description: "Unauthorized")) {
            let _: TelegramUser = try await client(server, token: "1:wrong").call(.getMe, TelegramNoParameters(), deadlineMillis: 5_000)
        }
        await server.stop()
        // The first request may still find the pool's keep-alive connection (closed under it); the next is refused.
        var codes: [String] = []
        for _ in 0..<2 {
            do {
                let _: TelegramUser = try await client(server).call(.getMe, TelegramNoParameters(), deadlineMillis: 500)
                Issue.record("a stopped server answered")
            } catch let failure as TelegramFailure {
                codes.append(TelegramFailures.code(for: failure))
            }
        }
        #expect(codes.last == "refused" && codes.allSatisfy { $0 == "refused" || $0 == "closed" }, "\(codes)")
        try await server.start()
        #expect(server.port == port)
        let me: TelegramUser = try await client(server).call(.getMe, TelegramNoParameters(), deadlineMillis: 5_000)
        #expect(me.id == 123_456)
        await server.stop()
    }
}
