import Foundation
import GatewayCore
import GatewayRuntime
import GatewayTelegram
import GatewayDiscord
import GatewayDaemon
import GatewayStore
import Testing

/// A real `gatewayd run` SIGKILLed in the middle of flushing 100 queued messages to the local Telegram and Discord
/// servers, at the worst moment: the server has created the message but the daemon has not heard back (the entry is
/// `sending`). After the restart every message arrives; what repeats depends on the platform:
/// - Telegram: `sendMessage` has no idempotency key or nonce (Bot API docs), so the in-flight message is sent again
///   — the stated bound is at most one duplicate, and it is that message.
/// - Discord: each part is posted with a `nonce` from the outbox entry and `enforce_nonce: true`; the repeat POST is
///   answered with the message already created — zero duplicates (within Discord's few-minute nonce window).
@Suite("Process level: SIGKILL mid-flush against Telegram, Discord and Slack", .serialized)
struct FlushCrashProcessTests {
    static let count = 100
    let binary: URL
    let dir: URL
    let db: String

    init() throws {
        binary = try #require(builtGatewayd(), "build the gatewayd product first")
        dir = FileManager.default.temporaryDirectory.appending(path: "gatewayd-flushcrash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        db = dir.appending(path: "g.db").path
    }

    func config(_ platform: String) throws -> URL {
        let url = dir.appending(path: "c-\(UUID().uuidString).yaml")
        try "reconnect: { base: 1s, jitter: 0 }\nwhen_all_failed: stay\nplatforms:\n  \(platform)\n"
            .write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// Polls (real time, bounded) until `condition` holds.
    func waitUntil(_ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
        try await GatewayDaemonTests.waitUntil(what, timeout: timeout, every: .milliseconds(10), condition)
    }

    /// Runs the daemon once so that the platform row exists, stops it (SIGTERM), then queues the 100 messages in one
    /// batch while no daemon runs: `m<i>` to target `targets[i % targets.count]`.
    func queueWhileStopped(_ config: URL, platform: String, targets: [String], store: Store) async throws {
        let first = try DaemonProcess(binary: binary, config: config, db: db)
        try await waitUntil("\(platform) is connected") { try await store.platform(platform)?.state == .connected }
        first.kill(SIGTERM)
        #expect(await first.finished().status == 0)
        let batch = (0..<Self.count).map { NewOutboxMessage(platform: platform, target: targets[$0 % targets.count], text: "m\($0)") }
        #expect(try await DeliveryRouter.enqueue(store: store, kinds: PlatformKinds.all, batch: batch).count == Self.count)
    }

    /// After the kill: the one entry left `sending` — the message in flight.
    func inFlight(_ store: Store) async throws -> OutboxEntry {
        let sending = try await store.outbox(states: [.sending])
        #expect(sending.count == 1, "exactly one message in flight at the kill: \(sending.map(\.text))")
        return try #require(sending.first)
    }

    /// Restarts the daemon, waits until the outbox is flushed, stops it (SIGTERM → 0).
    func restartAndFlush(_ config: URL, store: Store) async throws {
        let second = try DaemonProcess(binary: binary, config: config, db: db)
        try await waitUntil("the rest of the outbox is flushed", timeout: .seconds(60)) {
            try await store.outbox(states: [.queued, .sending]).isEmpty
        }
        second.kill(SIGTERM)
        let result = await second.finished()
        #expect(result.status == 0, "\(result.stderr.suffix(1_500))")
        #expect(try await store.outbox(states: [.sent]).count == Self.count)
        #expect(try await store.integrityCheck() == ["ok"])
    }

    /// Every message arrived, in order per target (first arrivals).
    func expectAllInOrder(_ arrivals: [(target: String, text: String)], targets: [String]) {
        var first: [String] = []
        var seen = Set<String>()
        for arrival in arrivals where seen.insert(arrival.text).inserted { first.append(arrival.text) }
        #expect(Set(first) == Set((0..<Self.count).map { "m\($0)" }), "every message arrived (\(first.count) distinct)")
        for (slot, target) in targets.enumerated() {
            let got = arrivals.filter { $0.target == target }.map(\.text)
            var distinct: [String] = []
            for text in got where !distinct.contains(text) { distinct.append(text) }
            #expect(distinct == stride(from: slot, to: Self.count, by: targets.count).map { "m\($0)" }, "\(target): in order")
        }
    }

    @Test("Telegram: all 100 arrive; exactly the in-flight message twice (no idempotency in sendMessage)")
    func telegram() async throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        setenv("TG_TOKEN", telegramTestToken, 1)
        // 50 private chats, two messages each: the flush runs at Telegram's 30 msg/s overall (1/s per chat).
        let chats = (0..<50).map { String(4_200 + $0) }
        let config = try config(
            "tg: { type: telegram, token: ${TG_TOKEN}, api_base: \"\(server.apiBase)\", poll_timeout: 1s, request_timeout: 30s }")
        let store = try Store(path: db)
        try await queueWhileStopped(config, platform: "tg", targets: chats, store: store)

        let daemon = try DaemonProcess(binary: binary, config: config, db: db)
        try await waitUntil("30 messages have arrived") { await server.state.sent.count >= 30 }
        await server.state.inject(.acceptThenHang, on: "sendMessage")  // the next one arrives, its answer never does
        try await waitUntil("a message is delivered but not yet answered") { await !server.state.acceptedThenHung.isEmpty }
        daemon.kill(SIGKILL)
        _ = await daemon.finished()
        let delivered = try #require(await server.state.acceptedThenHung.first)
        let flying = try await inFlight(store)
        #expect(flying.text == delivered.text && flying.target == delivered.chat, "the in-flight entry is the delivered one")
        let before = await server.state.sent.count
        #expect(before > 30 && before < Self.count, "killed in the middle (\(before) arrived)")

        try await restartAndFlush(config, store: store)
        let sent = await server.state.sent
        expectAllInOrder(sent.map { ($0.chat, $0.text) }, targets: chats)
        let repeated = Dictionary(grouping: sent, by: \.text).filter { $0.value.count > 1 }
        #expect(sent.count - Self.count <= 1, "at most one duplicate (\(sent.count - Self.count))")
        #expect(Array(repeated.keys) == [flying.text], "the duplicate is the message in flight at the kill")
        #expect(repeated[flying.text]?.count == 2)
        await server.stop()
    }

    @Test("Discord: all 100 arrive exactly once; the in-flight message's repeat is answered by its nonce")
    func discord() async throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try await DiscordTestGateway(token: DiscordFixture.token)
        setenv("DISCORD_TOKEN", DiscordFixture.token, 1)
        let channels = ["111", "222"]
        let config = try config("dc: { type: discord, token: ${DISCORD_TOKEN}, api_base: \"\(server.apiBase)\" }")
        let store = try Store(path: db)
        try await queueWhileStopped(config, platform: "dc", targets: channels, store: store)

        await server.state.update { $0.holdPost = 31 }  // the 31st message is created, its answer held back
        let daemon = try DaemonProcess(binary: binary, config: config, db: db)
        try await waitUntil("the 31st message is created but not yet answered") { await server.state.heldPost == 31 }
        daemon.kill(SIGKILL)
        _ = await daemon.finished()
        await server.state.update { $0.holdPost = nil }
        let flying = try await inFlight(store)
        let created = await server.state.posts
        #expect(created.count == 31 && created.last?.content == flying.text, "the in-flight entry is the 31st message")
        let nonce = try #require(created.last?.nonce)

        try await restartAndFlush(config, store: store)
        let posts = await server.state.posts
        expectAllInOrder(posts.map { ($0.channel, $0.content) }, targets: channels)
        #expect(posts.count == Self.count, "no duplicates: \(posts.count) messages created")
        let replays = await server.state.nonceReplays
        #expect(replays.map(\.nonce) == [nonce] && replays.map(\.id) == ["posted-31"], "the repeat was answered by its nonce")
        let entry = try #require(try await store.outbox(states: [.sent]).first { $0.id == flying.id })
        #expect(entry.platformIDs == ["posted-31"] && entry.attempts == 2, "recorded with the message first created")
        #expect(Set(posts.compactMap(\.nonce)).count == Self.count, "every message carried its own nonce")
        await server.stop()
    }
}
