import Foundation
import GatewayCore
import GatewayPostgres
import GatewayStore
import NIOPosix
import PostgresNIO
import Testing

/// The message half of the store — outbox, inbox, cursors, channel directory — on both backends: one body runs on the
/// SQLite `Store` and on `PostgresStore` over a real PostgreSQL (as the daemon that owns every platform), with the
/// same expectations, and every result must come out the same on both. Then what only a fleet has: a daemon sees and
/// writes only the platforms it owns.
@Suite("Message store: SQLite and PostgreSQL", .enabled(if: PostgresServer.binDirectory != nil, "\(PostgresServer.missing)"))
struct MessageStoreTests {
    /// SQLite or PostgreSQL (the black-box tests' choice of database, here for the stores themselves).
    typealias Backend = BlackboxBackend

    static let daemon = "daemon-1"
    static let names = ["tg", "irc", "dc"]

    /// tg and irc are enabled; dc is disabled.
    static func specs(_ names: [String] = names) -> [PlatformSpec] {
        names.map { PlatformSpec(name: $0, type: "simulated", fingerprint: "fp-\($0)", enabled: $0 != "dc", endpoint: "tcp://chat.example:6667") }
    }

    /// A fresh store of `backend` holding the platforms of `specs()`, owned by `daemon` on PostgreSQL.
    static func store(_ backend: Backend, clock: ManualClock) async throws -> (any MessageStore, @Sendable () async -> Void) {
        switch backend {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appending(path: "messages-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let store = try Store(path: directory.appending(path: "gateway.db").path, clock: clock)
            _ = try await store.startup(configured: specs())
            return (store, { try? FileManager.default.removeItem(at: directory) })
        case .postgres:
            let store = try await PostgresStore(location: try await SharedPostgres.database(), clock: clock)
            try await store.register(specs())
            try await store.join(DaemonIdentity(owner: daemon, pid: 1, host: "h"))
            _ = try await store.claim(for: daemon, share: names.count, leaseMillis: 86_400_000)
            return (store, { await store.close() })
        }
    }

    static func depths(_ store: any MessageStore) async throws -> String {
        try await store.messageDepths().sorted { $0.key < $1.key }.map { "\($0.key) in \($0.value.inbox) out \($0.value.outbox)" }
            .joined(separator: ", ")
    }

    // MARK: - Outbox

    static func outboxScript(_ store: any MessageStore, clock: ManualClock) async throws -> [String] {
        var log: [String] = []
        func snapshot(_ step: String) async throws {
            for entry in try await store.outbox(states: [], platform: nil, limit: 500) { log.append("\(step) | \(entry)") }
            log.append("\(step) | depths \(try await depths(store)) | waiting \(try await store.waitingPlatforms())")
        }
        let start = clock.nowMillis()
        let batch = try await store.enqueue([
            NewOutboxMessage(platform: "tg", target: "chat-1", text: "one", idempotencyKey: "k1"),
            NewOutboxMessage(platform: "irc", target: "#ops", text: "two"),
            NewOutboxMessage(platform: "tg", target: "chat-1", text: "one again", idempotencyKey: "k1"),
            NewOutboxMessage(platform: "tg", target: "chat-2", text: "four", expiresAt: start + 10_000, replyTo: "m-9"),
        ])
        #expect(batch.map(\.text) == ["one", "two", "one", "four"], "the key used earlier in the batch returns that entry")
        #expect(batch[0] == batch[2] && batch[0].id < batch[1].id && batch[1].id < batch[3].id)
        #expect(batch.allSatisfy { $0.state == .queued && $0.createdAt == start && $0.attempts == 0 })
        #expect(batch[3].replyTo == "m-9" && batch[3].expiresAt == start + 10_000)
        #expect(try await store.enqueue([NewOutboxMessage(platform: "irc", target: "x", text: "y", idempotencyKey: "k1")]) == [batch[0]])
        #expect(try await store.enqueue([]).isEmpty)
        try await snapshot("enqueued")

        let before = try await store.outbox(states: [], platform: nil, limit: 500)
        await #expect("an unknown platform refuses the whole batch") {
            try await store.enqueue([NewOutboxMessage(platform: "tg", target: "c", text: "kept?"), NewOutboxMessage(platform: "nope", target: "c", text: "x")])
        } throws: { ($0 as? StoreError)?.code == .unknownPlatform && "\($0)".contains("nope") }
        await #expect("a disabled platform refuses the whole batch") {
            try await store.enqueue([NewOutboxMessage(platform: "irc", target: "c", text: "kept?"), NewOutboxMessage(platform: "dc", target: "c", text: "x")])
        } throws: { ($0 as? StoreError)?.code == .illegalTransition && "\($0)".contains("'dc' is disabled: cannot queue a message") }
        #expect(try await store.outbox(states: [], platform: nil, limit: 500) == before, "nothing of a refused batch was queued")
        #expect(try await depths(store) == "irc in 0 out 1, tg in 0 out 2")
        #expect(try await store.waitingPlatforms() == ["irc", "tg"])

        #expect(try await store.nextOutbox(platform: "tg") == batch[0])
        clock.advance(seconds: 1)
        try await store.updateOutbox(batch[0].id, to: .sending, platformIDs: [], error: nil)
        let sending = try #require(try await store.nextOutbox(platform: "tg"))
        #expect(sending.id == batch[0].id && sending.state == .sending && sending.attempts == 1, "a message being sent is still next")
        try await store.updateOutbox(batch[0].id, to: .sent, platformIDs: ["p1", "p2"], error: nil)
        let sent = try #require(try await store.outbox(states: [.sent], platform: nil, limit: 500).first)
        #expect(sent.id == batch[0].id && sent.platformIDs == ["p1", "p2"] && sent.sentAt == start + 1_000 && sent.attempts == 1)
        #expect(try await store.nextOutbox(platform: "tg")?.id == batch[3].id)
        try await store.updateOutbox(batch[1].id, to: .sending, platformIDs: [], error: nil)
        try await store.updateOutbox(batch[1].id, to: .failed, platformIDs: [], error: "403 " + String(repeating: "x", count: 600))
        let failed = try #require(try await store.outbox(states: [], platform: "irc", limit: 500).first)
        #expect(failed.state == .failed && failed.error?.count == 500 && failed.sentAt == nil)
        #expect(try await store.nextOutbox(platform: "irc") == nil)
        try await snapshot("sent and failed")
        #expect(try await depths(store) == "irc in 0 out 0, tg in 0 out 1")
        #expect(try await store.waitingPlatforms() == ["tg"])

        try await store.delayOutbox(platform: "tg", until: start + 60_000)
        #expect(try await store.waitingPlatforms() == ["tg until \(start + 60_000)"])
        try await store.delayOutbox(platform: "tg", until: nil)
        #expect(try await store.waitingPlatforms() == ["tg"])

        #expect(try await store.expireOutbox() == 0, "its TTL has not passed")
        clock.advance(seconds: 9)
        #expect(try await store.expireOutbox() == 1)
        #expect(try await store.expireOutbox() == 0)
        let expired = try #require(try await store.outbox(states: [.expired], platform: nil, limit: 500).first)
        #expect(expired.id == batch[3].id && expired.updatedAt == start + 10_000 && expired.error == "its TTL passed before it could be sent")
        #expect(try await store.nextOutbox(platform: "tg") == nil)
        #expect(try await store.waitingPlatforms().isEmpty)
        try await snapshot("expired")

        #expect(try await store.outbox(states: [], platform: nil, limit: 2).map(\.id) == [batch[0].id, batch[1].id])
        #expect(try await store.outbox(states: [.queued, .sending], platform: nil, limit: 500).isEmpty)
        #expect(try await store.outbox(states: [.failed, .sent], platform: "tg", limit: 500).map(\.id) == [batch[0].id])
        // Back to queued (the reason it waits): waiting again, counted again.
        try await store.updateOutbox(batch[3].id, to: .queued, platformIDs: [], error: "rate limited")
        #expect(try await depths(store) == "irc in 0 out 0, tg in 0 out 1")
        try await snapshot("requeued")
        return log
    }

    // MARK: - Inbox and cursors

    static let photo = Attachment(kind: .image, fileName: "cat.jpg", size: 1_234, mimeType: "image/jpeg", fileID: "f-1", url: "https://cdn.example/c/cat.jpg")

    static func message(_ id: String, chat: String = "chat-1") -> ReceivedMessage {
        ReceivedMessage(messageID: id, chat: chat, sender: "u-1", text: "text \(id)", sentAt: 1_700_000_000_000)
    }

    static func inboxScript(_ store: any MessageStore, clock: ManualClock) async throws -> [String] {
        var log: [String] = []
        func snapshot(_ step: String) async throws {
            for entry in try await store.inbox(platform: nil, afterID: 0, limit: 100) { log.append("\(step) | \(entry)") }
            let cursors = [try await store.cursor(platform: "tg", key: "offset"), try await store.cursor(platform: "irc", key: "offset")]
            log.append("\(step) | depths \(try await depths(store)) | cursors \(cursors)")
        }
        let start = clock.nowMillis()
        var rich = message("c")
        rich.replyTo = "a"
        rich.senderName = "Ada"
        rich.chatKind = .group
        rich.attachments = [photo]
        #expect(try await store.receiveBatch(platform: "tg", [message("a"), message("b"), rich], cursors: ["offset": "3"]) == 3)
        #expect(try await store.cursor(platform: "tg", key: "offset") == "3")
        clock.advance(seconds: 1)
        #expect(try await store.receiveBatch(platform: "tg", [message("b"), message("d"), message("d")], cursors: ["offset": "4"]) == 1,
                "redeliveries (also within a batch) are ignored")
        #expect(try await store.cursor(platform: "tg", key: "offset") == "4", "the cursor moves with its batch")
        #expect(try await store.receiveBatch(platform: "irc", [message("x", chat: "#ops")], cursors: [:]) == 1)
        #expect(try await store.receiveBatch(platform: "tg", [message("a")], cursors: ["offset": "5"]) == 0)
        #expect(try await store.cursor(platform: "tg", key: "offset") == "5")
        await #expect(throws: (any Error).self, "an unknown platform stores neither messages nor cursors") {
            try await store.receiveBatch(platform: "nope", [message("z")], cursors: ["offset": "9"])
        }
        #expect(try await store.cursor(platform: "nope", key: "offset") == nil)
        try await snapshot("received")

        let all = try await store.inbox(platform: nil, afterID: 0, limit: 100)
        #expect(all.map(\.messageID) == ["a", "b", "c", "d", "x"])
        #expect(all.map(\.receivedAt) == [start, start, start, start + 1_000, start + 1_000])
        let c = all[2]
        #expect(c.attachments == [photo] && c.replyTo == "a" && c.senderName == "Ada" && c.chatKind == .group && c.sentAt == 1_700_000_000_000)
        #expect(all[0].attachments.isEmpty && all[0].chatKind == nil && all[0].senderName == nil)
        #expect(try await store.pendingMessages(limit: 100) == all, "undelivered, in arrival order across platforms")
        #expect(try await store.pendingMessages(limit: 2) == Array(all.prefix(2)))
        #expect(try await store.inbox(platform: "tg", afterID: all[0].id, limit: 100).map(\.messageID) == ["b", "c", "d"])
        #expect(try await store.inbox(platform: "irc", afterID: 0, limit: 100).map(\.messageID) == ["x"])
        #expect(try await store.inbox(platform: nil, afterID: all[1].id, limit: 2).map(\.messageID) == ["c", "d"])
        #expect(try await depths(store) == "irc in 1 out 0, tg in 4 out 0")

        clock.advance(seconds: 1)
        try await store.markInboxFailed(all[0].id, error: "consumer said 503 " + String(repeating: "y", count: 600), nextAttemptAt: start + 30_000)
        let retried = try #require(try await store.inbox(platform: "tg", afterID: 0, limit: 1).first)
        #expect(retried.attempts == 1 && retried.nextAttemptAt == start + 30_000 && retried.lastError?.count == 500 && retried.deliveredAt == nil)
        #expect(try await store.pendingMessages(limit: 100).map(\.messageID) == ["a", "b", "c", "d", "x"], "a failed delivery is still pending")
        try await store.markInboxDelivered([all[2].id, all[0].id])
        try await store.markInboxDelivered([])
        let delivered = try await store.inbox(platform: "tg", afterID: 0, limit: 1)[0]
        #expect(delivered.deliveredAt == start + 2_000 && delivered.nextAttemptAt == nil && delivered.lastError == nil && delivered.attempts == 1)
        #expect(try await store.pendingMessages(limit: 100).map(\.messageID) == ["b", "d", "x"])
        #expect(try await depths(store) == "irc in 1 out 0, tg in 2 out 0")
        try await snapshot("delivered and failed")

        // Retention: delivered and received before start + 1 ms: a and c (b is older but not delivered).
        #expect(try await store.pruneInbox(deliveredBefore: start + 1, undeliveredBefore: nil) == 2)
        #expect(try await store.inbox(platform: nil, afterID: 0, limit: 100).map(\.messageID) == ["b", "d", "x"])
        #expect(try await depths(store) == "irc in 1 out 0, tg in 2 out 0", "delivered messages did not count")
        // Then also undelivered ones received before +1.001 s: b and x; d is delivered, and newer than +1 ms.
        try await store.markInboxDelivered([all[3].id])
        #expect(try await store.pruneInbox(deliveredBefore: start + 1, undeliveredBefore: start + 1_001) == 2)
        #expect(try await store.inbox(platform: nil, afterID: 0, limit: 100).map(\.messageID) == ["d"])
        #expect(try await depths(store) == "irc in 0 out 0, tg in 0 out 0")
        try await snapshot("pruned")

        // Cursors of their own.
        try await store.setCursors(platform: "irc", ["session": "s-1", "seq": "41"])
        try await store.setCursors(platform: "irc", ["seq": "42"])
        #expect(try await store.cursor(platform: "irc", key: "session") == "s-1")
        #expect(try await store.cursor(platform: "irc", key: "seq") == "42")
        try await store.removeCursor(platform: "irc", key: "session")
        try await store.removeCursor(platform: "irc", key: "never-set")
        #expect(try await store.cursor(platform: "irc", key: "session") == nil)
        #expect(try await store.cursor(platform: "tg", key: "seq") == nil, "each platform's own")
        log.append("cursors | \(try await store.cursor(platform: "irc", key: "seq") ?? "-")")
        return log
    }

    // MARK: - Channels

    static func channelScript(_ store: any MessageStore, clock: ManualClock) async throws -> [String] {
        var log: [String] = []
        let start = clock.nowMillis()
        #expect(try await store.replaceChannels(platform: "tg", [
            ChannelEntry(id: "1", name: "general", kind: "group"), ChannelEntry(id: "2", name: "Zeta", kind: "channel"),
            ChannelEntry(id: "3", name: "alpha", kind: "private"), ChannelEntry(id: "3", name: "alpha-2", kind: "private"),
        ]) == start)
        // Byte order, as SQLite sorts text: capitals first.
        #expect(try await store.channels(platform: "tg").map(\.channel.name) == ["Zeta", "alpha-2", "general"])
        log.append("replaced | \(try await store.channels(platform: nil))")
        clock.advance(seconds: 1)
        #expect(try await store.upsertChannels(platform: "tg", [ChannelEntry(id: "2", name: "beta", kind: "channel"), ChannelEntry(id: "4", name: "new", kind: "group")]) == start + 1_000)
        let upserted = try await store.channels(platform: "tg")
        #expect(upserted.map(\.channel.name) == ["alpha-2", "beta", "general", "new"])
        #expect(upserted.map(\.builtAt) == [start, start + 1_000, start, start + 1_000], "an upsert keeps the others' build time")
        _ = try await store.replaceChannels(platform: "irc", [ChannelEntry(id: "#ops", name: "#ops", kind: "channel")])
        clock.advance(seconds: 1)
        _ = try await store.replaceChannels(platform: "tg", [ChannelEntry(id: "1", name: "general", kind: "group")])
        let all = try await store.channels(platform: nil)
        #expect(all.map { "\($0.platform)/\($0.channel.id)" } == ["irc/#ops", "tg/1"], "a replace drops what is not listed")
        #expect(all.last == ChannelDirectoryEntry(platform: "tg", channel: ChannelEntry(id: "1", name: "general", kind: "group"), builtAt: start + 2_000))
        log.append("final | \(all)")
        return log
    }

    // MARK: - Both backends

    typealias Script = @Sendable (any MessageStore, ManualClock) async throws -> [String]
    static let scripts: [(String, Script)] = [("outbox", outboxScript), ("inbox", inboxScript), ("channels", channelScript)]

    @Test("the outbox: enqueue (idempotent, all or nothing), next, sending/sent/failed, delay, expiry, depths", arguments: Backend.allCases)
    func outbox(backend: Backend) async throws {
        let clock = ManualClock()
        let (store, close) = try await Self.store(backend, clock: clock)
        defer { Task { await close() } }
        _ = try await Self.outboxScript(store, clock: clock)
    }

    @Test("the inbox and cursors: receive with cursors, duplicates, pending order, delivered/failed, prune", arguments: Backend.allCases)
    func inbox(backend: Backend) async throws {
        let clock = ManualClock()
        let (store, close) = try await Self.store(backend, clock: clock)
        defer { Task { await close() } }
        _ = try await Self.inboxScript(store, clock: clock)
    }

    @Test("the channel directory: replace, upsert, list", arguments: Backend.allCases)
    func channels(backend: Backend) async throws {
        let clock = ManualClock()
        let (store, close) = try await Self.store(backend, clock: clock)
        defer { Task { await close() } }
        _ = try await Self.channelScript(store, clock: clock)
    }

    @Test("after every step of the same scripts, every result is the same on both stores (ids and times included)")
    func sameResults() async throws {
        for (name, script) in Self.scripts {
            var logs: [[String]] = []
            for backend in Backend.allCases {
                let clock = ManualClock()
                let (store, close) = try await Self.store(backend, clock: clock)
                logs.append(try await script(store, clock))
                await close()
            }
            #expect(logs[0].count == logs[1].count && !logs[0].isEmpty, "\(name)")
            for (sqlite, postgres) in zip(logs[0], logs[1]) where sqlite != postgres {
                Issue.record("\(name): SQLite and PostgreSQL differ:\n  \(sqlite)\n  \(postgres)")
            }
        }
    }

    // MARK: - The fleet (PostgreSQL only)

    /// tg, irc and dc (all enabled), two owned by `one`, one by `two`; each platform has a queued message and a
    /// received one.
    static func fleet(clock: ManualClock) async throws -> (PostgresStore, one: [String], two: [String]) {
        let store = try await PostgresStore(location: try await SharedPostgres.database(), clock: clock)
        try await store.register(names.map { PlatformSpec(name: $0, type: "simulated") })
        _ = try await store.claim(for: "one", share: 2, leaseMillis: 60_000)
        _ = try await store.claim(for: "two", share: 1, leaseMillis: 60_000)
        let one = try await store.owned(by: "one"), two = try await store.owned(by: "two")
        #expect(one.count == 2 && two.count == 1)
        for name in names {
            _ = try await store.enqueue([NewOutboxMessage(platform: name, target: "t", text: "to \(name)")])
            let owner = one.contains(name) ? "one" : "two"
            #expect(try await store.receive(platform: name, [message("m-\(name)")], cursors: ["offset": "1"], owner: owner) == 1)
        }
        return (store, one, two)
    }

    @Test("a daemon's waiting outbox and pending inbox are the platforms it owns now, and no others")
    func ownedOnly() async throws {
        let clock = ManualClock()
        let (store, one, two) = try await Self.fleet(clock: clock)
        defer { Task { await store.close() } }
        #expect(try await store.waitingOutbox(ownedBy: "one").map(\.platform) == one)
        #expect(try await store.waitingOutbox(ownedBy: "two").map(\.platform) == two)
        #expect(try await store.waitingOutbox(ownedBy: "three").isEmpty)
        #expect(try await store.pendingInbox(ownedBy: "one").map(\.platform).sorted() == one)
        #expect(try await store.pendingInbox(ownedBy: "two").map(\.platform) == two)
        #expect(try await store.pendingInbox(ownedBy: "one", limit: 1).count == 1)
        try await store.delayOutbox(platform: two[0], until: clock.nowMillis() + 5_000)
        #expect(try await store.waitingOutbox(ownedBy: "two").map(\.notBefore) == [clock.nowMillis() + 5_000])
        // two stops renewing: its lease runs out, and its platform is nobody's work until claimed again.
        clock.advance(seconds: 30)
        #expect(try await store.renew(for: "one", leaseMillis: 60_000).sorted() == one)
        clock.advance(seconds: 30)
        #expect(try await store.waitingOutbox(ownedBy: "two").isEmpty)
        #expect(try await store.pendingInbox(ownedBy: "two").isEmpty)
        #expect(try await store.waitingOutbox(ownedBy: "one").map(\.platform) == one)
        #expect(try await store.claim(for: "one", share: 3, leaseMillis: 60_000).claimed == two)
        #expect(try await store.waitingOutbox(ownedBy: "one").map(\.platform) == Self.names.sorted())
        #expect(try await store.pendingInbox(ownedBy: "one").count == 3)
    }

    @Test("a receive fenced by a lease another daemon holds (or that ran out) is refused and writes nothing")
    func receiveNotOwner() async throws {
        let clock = ManualClock()
        let (store, one, two) = try await Self.fleet(clock: clock)
        defer { Task { await store.close() } }
        let theirs = two[0]
        let before = try await store.inbox(platform: nil, afterID: 0, limit: 100)
        await #expect {
            try await store.receive(platform: theirs, [Self.message("late")], cursors: ["offset": "0"], owner: "one")
        } throws: { ($0 as? FleetStoreError)?.code == .notOwner && "\($0)".contains("owned by daemon two") }
        await #expect { try await store.receive(platform: "nope", [], cursors: ["offset": "0"], owner: "one") } throws: {
            ($0 as? FleetStoreError)?.code == .unknownPlatform
        }
        #expect(try await store.inbox(platform: nil, afterID: 0, limit: 100) == before)
        #expect(try await store.cursor(platform: theirs, key: "offset") == "1")

        // one's lease runs out and two takes the platform over and advances its cursor: one's late batch is refused.
        let mine = one[0]
        clock.advance(seconds: 60)
        _ = try await store.claim(for: "two", share: 3, leaseMillis: 60_000)
        #expect(try await store.receive(platform: mine, [Self.message("new")], cursors: ["offset": "7"], owner: "two") == 1)
        await #expect {
            try await store.receive(platform: mine, [Self.message("old")], cursors: ["offset": "2"], owner: "one")
        } throws: { ($0 as? FleetStoreError)?.code == .notOwner }
        #expect(try await store.cursor(platform: mine, key: "offset") == "7")
        #expect(try await store.inbox(platform: mine, afterID: 0, limit: 100).map(\.messageID) == ["m-\(mine)", "new"])
        // Without an owner (a single daemon's use) nothing is fenced.
        #expect(try await store.receive(platform: mine, [Self.message("unfenced")], cursors: [:], owner: nil) == 1)
    }
}

extension MessageStoreTests {
    /// Runs `sql` on `location` outside the store (what an operator's psql could do).
    static func execute(_ location: PostgresLocation, _ sql: String) async throws {
        let client = PostgresClient(
            configuration: .init(host: location.host, port: location.port, username: location.user, password: nil, database: location.database, tls: .disable),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        let task = Task { await client.run() }
        defer { task.cancel() }
        _ = try await client.query(PostgresQuery(unsafeSQL: sql)).collect()
    }

    @Test("batches naming the same platforms in opposite orders, at once: none deadlocks, and the depths are the rows")
    func concurrentBatches() async throws {
        let clock = ManualClock()
        let store = try await PostgresStore(location: try await SharedPostgres.database(), clock: clock)
        defer { Task { await store.close() } }
        let platforms = ["p1", "p2", "p3", "p4"]
        try await store.register(platforms.map { PlatformSpec(name: $0, type: "simulated") })
        try await withThrowingTaskGroup(of: Void.self) { group in
            for round in 0..<40 {
                let order = round.isMultiple(of: 2) ? platforms : platforms.reversed()
                group.addTask {
                    _ = try await store.enqueue(order.map { NewOutboxMessage(platform: $0, target: "t", text: "\(round)") })
                }
            }
            try await group.waitForAll()
        }
        let waiting = try await store.outbox(states: [.queued], limit: 1_000)
        #expect(waiting.count == 160)
        let depths = try await store.messageDepths()
        #expect(platforms.allSatisfy { depths[$0]?.outbox == 40 && depths[$0]?.inbox == 0 }, "\(depths)")
    }

    @Test("the directory is listed in byte order, as on SQLite, whatever collation the database sorts text by")
    func byteOrder() async throws {
        let clock = ManualClock()
        let store = try await PostgresStore(location: try await SharedPostgres.database(), clock: clock)
        defer { Task { await store.close() } }
        try await store.register([PlatformSpec(name: "tg", type: "simulated")])
        // The tests' cluster sorts in "C" order; a database made with a language's locale sorts 'alpha' before 'Zeta'.
        try await Self.execute(store.location, #"ALTER TABLE channel_directory ALTER COLUMN name TYPE text COLLATE "und-x-icu""#)
        try await Self.execute(store.location, #"ALTER TABLE channel_directory ALTER COLUMN channel_id TYPE text COLLATE "und-x-icu""#)
        _ = try await store.replaceChannels(platform: "tg", [
            ChannelEntry(id: "b", name: "alpha", kind: "group"), ChannelEntry(id: "B", name: "Zeta", kind: "group"),
            ChannelEntry(id: "a", name: "Zeta", kind: "group"),
        ])
        #expect(try await store.channels(platform: "tg").map(\.channel.id) == ["B", "a", "b"])
        #expect(try await store.channels().map(\.channel.id) == ["B", "a", "b"])
    }
}

/// What the scripts call: the SQLite store's methods, and the PostgreSQL store's as the daemon that owns the rows.
protocol MessageStore: Sendable {
    func enqueue(_ batch: [NewOutboxMessage]) async throws -> [OutboxEntry]
    func nextOutbox(platform: String) async throws -> OutboxEntry?
    /// `waitingOutbox`, as "name" or "name until <ms>".
    func waitingPlatforms() async throws -> [String]
    func expireOutbox() async throws -> Int
    func updateOutbox(_ id: Int64, to state: OutboxEntry.State, platformIDs: [String], error: String?) async throws
    func delayOutbox(platform: String, until: Int64?) async throws
    func outbox(states: [OutboxEntry.State], platform: String?, limit: Int) async throws -> [OutboxEntry]
    func messageDepths() async throws -> [String: (inbox: Int, outbox: Int)]
    func receiveBatch(platform: String, _ messages: [ReceivedMessage], cursors: [String: String]) async throws -> Int
    func pendingMessages(limit: Int) async throws -> [InboxEntry]
    func inbox(platform: String?, afterID: Int64, limit: Int) async throws -> [InboxEntry]
    func markInboxDelivered(_ ids: [Int64]) async throws
    func markInboxFailed(_ id: Int64, error: String, nextAttemptAt: Int64) async throws
    func pruneInbox(deliveredBefore: Int64, undeliveredBefore: Int64?) async throws -> Int
    func cursor(platform: String, key: String) async throws -> String?
    func setCursors(platform: String, _ values: [String: String]) async throws
    func removeCursor(platform: String, key: String) async throws
    func replaceChannels(platform: String, _ channels: [ChannelEntry]) async throws -> Int64
    func upsertChannels(platform: String, _ channels: [ChannelEntry]) async throws -> Int64
    func channels(platform: String?) async throws -> [ChannelDirectoryEntry]
}

private func describe(_ waiting: [(platform: String, notBefore: Int64?)]) -> [String] {
    waiting.map { entry in entry.notBefore.map { "\(entry.platform) until \($0)" } ?? entry.platform }
}

extension Store: MessageStore {
    func waitingPlatforms() throws -> [String] { describe(try waitingOutbox()) }
    func receiveBatch(platform: String, _ messages: [ReceivedMessage], cursors: [String: String]) throws -> Int {
        try receive(platform: platform, messages, cursors: cursors)
    }
    func pendingMessages(limit: Int) throws -> [InboxEntry] { try pendingInbox(limit: limit) }
}

extension PostgresStore: MessageStore {
    func waitingPlatforms() async throws -> [String] { describe(try await waitingOutbox(ownedBy: MessageStoreTests.daemon)) }
    func receiveBatch(platform: String, _ messages: [ReceivedMessage], cursors: [String: String]) async throws -> Int {
        try await receive(platform: platform, messages, cursors: cursors, owner: MessageStoreTests.daemon)
    }
    func pendingMessages(limit: Int) async throws -> [InboxEntry] { try await pendingInbox(ownedBy: MessageStoreTests.daemon, limit: limit) }
}
