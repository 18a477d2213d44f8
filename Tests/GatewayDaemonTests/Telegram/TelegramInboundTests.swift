import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayTelegram
@testable import GatewayDaemon
@testable import GatewayRuntime

/// Updates reach the sink in order, exactly once, across reconnects and daemon restarts; the persisted offset is
/// never ahead of what was handed on.
@Suite("Telegram inbound")
struct TelegramInboundTests {
    @Test("queued and live updates reach the sink in order; the offset confirms them")
    func inOrder() async throws {
        let dir = try TelegramTempDirectory()
        defer { dir.remove() }
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        var ids: [Int64: String] = [:]
        for text in ["one", "two", "three"] { ids[await server.state.enqueueMessage(text, chat: 42)] = text }
        await server.state.enqueue(["message": ["message_id": 1, "chat": ["id": 42], "sticker": [:] as [String: String]] as [String: any Sendable]])
        let sink = try TelegramRecordingSink(path: dir.databasePath)
        let g = try await Harness(telegramYAML(server), sink: sink, environment: telegramEnvironment, path: dir.databasePath)
        try await g.waitFor("tg", .connected)
        try await g.waitUntil("three messages") { sink.messages.count == 3 }
        for text in ["four", "five"] { ids[await server.state.enqueueMessage(text, chat: -1001)] = text }
        try await g.waitUntil("five messages") { sink.messages.count == 5 }
        #expect(sink.texts == ["one", "two", "three", "four", "five"])
        let first = try #require(sink.messages.first)
        #expect(first.platform == "tg" && first.chat == "42" && first.sender == "7" && first.id.hasPrefix("42:"))
        #expect(first.sentAt == 1_800_000_000_000)
        let last = await server.state.enqueueMessage("six")
        try await g.waitUntil("six messages") { sink.messages.count == 6 }
        ids[last] = "six"
        try await server.waitUntil("six is confirmed") { await $0.pendingIDs.isEmpty }
        #expect(try await g.offsetCursor() == last + 1)
        try expectNeverAhead(sink, ids: ids)
        try await g.stop()
        await server.stop()
    }

    @Test("a drop before the batch is confirmed: the reconnect resumes from the persisted offset, nothing twice")
    func acrossReconnect() async throws {
        let dir = try TelegramTempDirectory()
        defer { dir.remove() }
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        let sink = try TelegramRecordingSink(path: dir.databasePath)
        let g = try await Harness(telegramYAML(server), sink: sink, environment: telegramEnvironment, path: dir.databasePath)
        var ids: [Int64: String] = [:]
        try await g.waitFor("tg", .connected)
        try await server.waitForHeldPoll()
        // The held poll delivers a and b; the poll that would confirm them is dropped mid-request.
        await server.state.inject(.drop, on: "getUpdates")
        let ab = await server.state.enqueueMessages(["a", "b"])
        for (id, text) in zip(ab, ["a", "b"]) { ids[id] = text }
        try await g.waitUntil("the drop is recorded") { try await g.row("tg").state == .backingOff }
        #expect(sink.texts == ["a", "b"])
        #expect(await server.state.pendingIDs.count == 2, "Telegram still holds a and b: they were never confirmed")
        ids[await server.state.enqueueMessage("c")] = "c"
        g.clock.advance(seconds: 30)
        try await g.waitFor("tg", .connected)
        try await g.waitUntil("c arrives") { sink.texts.count >= 3 }
        ids[await server.state.enqueueMessage("d")] = "d"
        try await g.waitUntil("d arrives") { sink.texts.count >= 4 }
        #expect(sink.texts == ["a", "b", "c", "d"], "in order, none lost, none twice")
        let offsets = await server.state.polls.map(\.offset)
        try #require(offsets.count >= 3)
        #expect(offsets[0] == nil)
        #expect(offsets[1] == ab[1] + 1 && offsets[2] == ab[1] + 1, "the dropped poll, then the reconnect, from b + 1")
        try expectNeverAhead(sink, ids: ids)
        try await g.stop()
        await server.stop()
    }

    @Test("a daemon restart between hand-off and confirmation: the new daemon resumes, nothing lost or twice")
    func acrossRestart() async throws {
        let dir = try TelegramTempDirectory()
        defer { dir.remove() }
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        var ids: [Int64: String] = [:]
        let sink1 = try TelegramRecordingSink(path: dir.databasePath)
        let g1 = try await Harness(telegramYAML(server), sink: sink1, environment: telegramEnvironment, path: dir.databasePath)
        try await g1.waitFor("tg", .connected)
        try await server.waitForHeldPoll()
        // The poll after the batch hangs, so the daemon stops before Telegram hears the new offset.
        await server.state.inject(.hang, on: "getUpdates")
        let batch = await server.state.enqueueMessages(["m1", "m2", "m3"])
        for (id, text) in zip(batch, ["m1", "m2", "m3"]) { ids[id] = text }
        try await g1.waitUntil("the batch is handed on") { sink1.texts.count == 3 }
        try await server.waitUntil("the confirming poll hangs") { await $0.polls.count == 2 }
        try await g1.stop()
        #expect(await server.state.pendingIDs.count == 3, "unconfirmed: only the persisted offset prevents a duplicate")
        let persisted = try #require(try await g1.offsetCursor())
        #expect(persisted == (ids.keys.max() ?? 0) + 1)
        ids[await server.state.enqueueMessage("m4")] = "m4"

        let sink2 = try TelegramRecordingSink(path: dir.databasePath)
        let g2 = try await Harness(telegramYAML(server), sink: sink2, environment: telegramEnvironment, path: dir.databasePath)
        try await g2.waitFor("tg", .connected)
        try await g2.waitUntil("m4 arrives") { sink2.texts.count >= 1 }
        ids[await server.state.enqueueMessage("m5")] = "m5"
        try await g2.waitUntil("m5 arrives") { sink2.texts.count >= 2 }
        #expect(sink1.texts + sink2.texts == ["m1", "m2", "m3", "m4", "m5"])
        #expect(await server.state.polls.last?.offset ?? 0 > persisted, "the new daemon polled from the persisted offset")
        #expect(await server.state.polls.dropFirst(2).first?.offset == persisted)
        try expectNeverAhead(sink1, ids: ids)
        try await g2.stop()
        await server.stop()
    }

    /// At every hand-off, each update below the persisted offset had been handed on.
    private func expectNeverAhead(_ sink: TelegramRecordingSink, ids: [Int64: String]) throws {
        for batch in sink.batches {
            let offset = try #require(batch.offset)
            let covered = ids.filter { $0.key < offset }.map(\.value)
            #expect(Set(covered).isSubset(of: batch.textsSoFar), "offset \(offset) is ahead of the handed-off messages")
        }
    }
}
