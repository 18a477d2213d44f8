import Foundation
import GatewayStore
import Logging
import Synchronization
import Testing

@testable import GatewayCore
@testable import GatewayDiscord
@testable import GatewayDaemon
@testable import GatewayRuntime

/// What arrives: MESSAGE_CREATE hand-off (once each, across RESUMEs), the seq cursor, guild channels.
@Suite("Discord inbound", .serialized)
struct DiscordInboundTests {
    @Test("MESSAGE_CREATE reaches the sink once each, also across a RESUME that replays what we already had")
    func onceAcrossResume() async throws {
        let f = try await DiscordFixture { $0.replayOverlap = 3 }
        try await f.g.waitFor("dc", .connected)
        try await f.state.dispatchMessage(content: "one")
        try await f.state.dispatchMessage(channel: "102", content: "two")
        try await f.g.waitUntil("two messages handed on") { f.sink.messages.count == 2 }
        #expect(try await f.cursor("seq") == "4", "the seq is persisted with each hand-off")
        try await f.g.settle()

        try await f.state.closeLive(code: 4000)
        try await f.g.waitFor("dc", .backingOff)
        try await f.state.dispatchMessage(content: "three, sent while we were away")
        try await f.advanceToRetry()
        try await f.g.waitFor("dc", .connected)
        try await f.g.waitUntil("the missed message is handed on") { f.sink.messages.count == 3 }
        try await f.state.dispatchMessage(content: "four")
        try await f.g.waitUntil("the next live message is handed on") { f.sink.messages.count == 4 }
        let resume = try #require(await f.state.resumes.first)
        #expect(resume.seq == 4)
        let messages = f.sink.messages
        #expect(messages.map(\.text) == ["one", "two", "three, sent while we were away", "four"])
        #expect(Set(messages.map(\.id)).count == 4, "no duplicates although the server replayed three old events")
        let first = try #require(messages.first)
        #expect(first.platform == "dc" && first.chat == "100" && first.sender == "user-7")
        #expect(first.sentAt == 1_800_000_000_250)
        #expect(messages[1].chat == "102")
        try await f.finish()
    }

    @Test("the bot's own messages are not handed on, but their seq is")
    func ownMessagesSkipped() async throws {
        let f = try await DiscordFixture()
        try await f.g.waitFor("dc", .connected)
        try await f.state.dispatchMessage(content: "echo of our own send", author: "bot-1")
        try await f.state.dispatchMessage(content: "from a person")
        try await f.g.waitUntil("the person's message is handed on") { f.sink.messages.count == 1 }
        #expect(f.sink.messages.map(\.text) == ["from a person"])
        #expect(try await f.cursor("seq") == "4")
        try await f.finish()
    }

    @Test("channels() lists the text and announcement channels seen in GUILD_CREATE")
    func guildChannels() async throws {
        let server = try await DiscordTestGateway(token: DiscordFixture.token)
        let sink = MemorySink()
        let adapter = try await Self.adapter(server, sink: sink)
        try await adapter.connect()
        let running = Task { try await adapter.run() }
        try await server.state.dispatchMessage(content: "sync")  // after GUILD_CREATE on the same socket
        try await Self.wait("the message arrives") { sink.count == 1 }
        #expect(await adapter.channels() == [
            ChannelEntry(id: "100", name: "Test Guild/#general", kind: "channel"),
            ChannelEntry(id: "102", name: "Test Guild/#news", kind: "channel"),
        ])
        await adapter.disconnect()
        try await running.value  // returns normally after disconnect()
        try await Self.wait("the close reaches the server") { !server.state.clientCloseCodes.all.isEmpty }
        #expect(server.state.clientCloseCodes.all == [4000], "disconnect() keeps the session resumable")
        await server.stop()
    }

    @Test("a sink that cannot take a message ends the connection resumably (server class), without advancing")
    func handOffFailure() async throws {
        let server = try await DiscordTestGateway(token: DiscordFixture.token)
        let sink = MemorySink(failing: true)
        let adapter = try await Self.adapter(server, sink: sink)
        try await adapter.connect()
        let running = Task { try await adapter.run() }
        try await server.state.dispatchMessage(content: "cannot be stored")
        do {
            try await running.value
            Issue.record("run() returned normally")
        } catch let error as AdapterError {
            #expect(error.errorClass == .server && error.code == "handoff_failed")
        }
        try await Self.wait("the close reaches the server") { !server.state.clientCloseCodes.all.isEmpty }
        #expect(server.state.clientCloseCodes.all == [4000])
        await server.stop()
    }

    // MARK: - Helpers

    /// A Discord adapter on its own (no store: no cursors), on a manual clock.
    static func adapter(_ server: DiscordTestGateway, sink: any InboundSink) async throws -> DiscordAdapter {
        let config = PlatformConfig(
            name: "dc", type: .discord, options: ["api_base": .string(server.apiBase)],
            secrets: ["token": Secret(DiscordFixture.token)])
        let context = AdapterContext(
            platform: "dc", store: nil, clock: ManualClock(), logger: Logger(label: "test"), redactor: .none, sink: sink)
        return DiscordAdapter(settings: try DiscordSettings(config), context: context)
    }

    static func wait(_ what: String, _ condition: () async -> Bool) async throws {
        try await waitUntil(what, condition)
    }
}

/// An in-memory sink; `failing` refuses every batch.
final class MemorySink: InboundSink {
    private let messages = Mutex<[InboundMessage]>([])
    let failing: Bool

    init(failing: Bool = false) { self.failing = failing }

    var count: Int { messages.withLock { $0.count } }

    func handOff(platform: String, messages batch: [InboundMessage], cursors: [String: String]) async throws {
        if failing { throw TestGatewayError("the sink is full") }
        messages.withLock { $0 += batch }
    }
}
