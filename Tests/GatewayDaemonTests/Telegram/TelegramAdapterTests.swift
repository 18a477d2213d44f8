import Foundation
import GatewayStore
import Logging
import Synchronization
import Testing

@testable import GatewayCore
@testable import GatewayTelegram
@testable import GatewayDaemon
@testable import GatewayRuntime

/// The adapter alone, on an in-memory context: the lifecycle contract and the channel directory.
@Suite("Telegram adapter")
struct TelegramAdapterTests {
    /// Keeps hand-offs in memory; can be told to fail.
    final class MemorySink: InboundSink {
        let handed = Mutex<[(messages: [InboundMessage], cursors: [String: String])]>([])
        let failing = Mutex(false)

        func handOff(platform: String, messages: [InboundMessage], cursors: [String: String]) async throws {
            if failing.withLock({ $0 }) { throw CocoaError(.fileWriteOutOfSpace) }
            handed.withLock { $0.append((messages, cursors)) }
        }
    }

    private func adapter(_ server: TelegramTestServer, sink: MemorySink) throws -> TelegramAdapter {
        let context = AdapterContext(
            platform: "tg", store: nil, clock: ManualClock(), logger: Logger(label: "test"), redactor: .none, sink: sink)
        let settings = TelegramSettings(
            token: Secret(telegramTestToken), apiBase: server.apiBase, pollTimeoutSeconds: 1, requestTimeoutMillis: 10_000)
        return TelegramAdapter(settings: settings, context: context)
    }

    @Test("run hands batches on with their offset, learns the chats, and returns after disconnect")
    func lifecycle() async throws {
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        let sink = MemorySink()
        let adapter = try adapter(server, sink: sink)
        try await adapter.connect()
        let running = Task { try await adapter.run() }
        let ids = await server.state.enqueueMessages(["hello"], chat: 42) + server.state.enqueueMessages(["team"], chat: -1001)
        try await waitUntil("two messages") { sink.handed.withLock { $0.flatMap(\.messages).count } == 2 }
        let cursors = sink.handed.withLock { $0.map { $0.cursors["offset"] } }
        #expect(cursors.last == String(ids[1] + 1))
        #expect(await adapter.channels().map(\.id) == ["-1001", "42"])
        #expect(await adapter.channels().first?.kind == "group")
        await adapter.disconnect()
        try await running.value  // returns, does not throw
        await #expect(throws: AdapterError.self) { _ = try await adapter.send(OutgoingMessage(target: "42", text: "x")) }
        await server.stop()
    }

    @Test("a failed hand-off ends the run without advancing: the batch comes again")
    func failedHandOff() async throws {
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        let sink = MemorySink()
        sink.failing.withLock { $0 = true }
        let first = try adapter(server, sink: sink)
        try await first.connect()
        let id = await server.state.enqueueMessage("keep me")
        do {
            try await first.run()
            Issue.record("run should throw")
        } catch let error as AdapterError {
            #expect(error.code == "handoff" && error.errorClass == .network)
        }
        #expect(await server.state.pendingIDs == [id], "not confirmed to Telegram")
        sink.failing.withLock { $0 = false }
        let second = try adapter(server, sink: sink)
        try await second.connect()
        let running = Task { try await second.run() }
        try await waitUntil("the batch comes again") { sink.handed.withLock { $0.count } == 1 }
        #expect(sink.handed.withLock { $0[0].messages.map(\.text) } == ["keep me"])
        await second.disconnect()
        try await running.value
        await server.stop()
    }

    @Test("disconnect before run: run returns at once")
    func disconnectFirst() async throws {
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        let adapter = try adapter(server, sink: MemorySink())
        try await adapter.connect()
        await adapter.disconnect()
        try await adapter.run()
        #expect(await server.state.polls.isEmpty)
        await server.stop()
    }
}
