import Foundation
import GatewayCore
import GatewayStore
import Testing

/// The platforms of the conformance suite: every adapter gatewayd ships.
enum ConformancePlatform: String, CaseIterable, CustomStringConvertible, Sendable {
    case telegram, discord, irc, matrix, slack

    var description: String { rawValue }

    /// A fresh server for one test.
    func server() async throws -> any ConformanceServer {
        switch self {
        case .telegram: try await TelegramConformanceServer.make()
        case .discord: try await DiscordConformanceServer.make()
        case .irc: try await IRCConformanceServer.make()
        case .matrix: try await MatrixConformanceServer.make()
        case .slack: try await SlackConformanceServer.make()
        }
    }
}

/// One body for every adapter, run against the built `gatewayd` as a user runs it: the adapter connects; a rejected
/// credential is a human's problem and is not tried again; a server that goes away is waited out and reconnected by
/// itself; what the bot sends during the outage arrives once each, in order; what users post reaches the inbox once
/// each across a SIGKILL of the daemon; and no secret shows up in the log, the events, the rows or the database file.
@Suite("Adapter conformance: every platform, the same rules, the built binary")
struct AdapterConformanceTests {
    /// Fast retries, so that a retry that should not happen would happen many times during a short look.
    static let reconnect = "reconnect: { base: 200ms, factor: 1, cap: 200ms, jitter: 0, connect_timeout: 5s }"
    static let outageMessages = 100

    static func yaml(_ server: any ConformanceServer, validCredential: Bool = true, webhook: String? = nil) -> String {
        """
        \(reconnect)
        when_all_failed: stay
        fleet: { lease: 3s }
        \(webhook.map { "inbox: { webhook: \"\($0)\" }" } ?? "")
        platforms:
          p: \(server.platformYAML(name: "p", validCredential: validCredential))
        """
    }

    @Test(
        "a rejected credential: needs_attention, and no further login",
        arguments: ConformancePlatform.allCases, BlackboxBackend.available)
    func rejectedCredential(_ platform: ConformancePlatform, backend: BlackboxBackend) async throws {
        let server = try await platform.server()
        let gw = try Gatewayd()
        defer { gw.remove() }
        let (db, store) = try await backend.open(gw)
        defer { Task { await store.close() } }
        let daemon = try gw.daemon(try gw.config(Self.yaml(server, validCredential: false)), environment: server.environment, db: db)
        try await waitUntil("p needs attention", timeout: .seconds(30), every: .milliseconds(20)) {
            try await store.platform("p")?.state == .needsAttention
        }
        let row = try #require(try await store.platform("p"))
        #expect(row.lastErrorClass == .auth, "\(platform): \(row.lastErrorClass.map { "\($0)" } ?? "nil") \(row.lastError ?? "")")
        let logins = await server.logins()
        #expect(logins >= 1, "\(platform): the server saw the login")
        // Twenty retry periods: a platform retried on the schedule would log in again many times.
        try await Task.sleep(for: .seconds(4))
        #expect(await server.logins() == logins, "\(platform): no login after needs_attention")
        #expect(try await store.platform("p")?.state == .needsAttention)

        daemon.kill(SIGTERM)
        let end = await daemon.finished()
        #expect(end.status == 0, "\(platform): \(end.stderr.suffix(1_000))")
        try await Self.expectNoSecrets(server, gw: gw, store: store, db: db, log: daemon.log)
        await server.shutdown()
    }

    @Test(
        "connect, outage, 100 queued messages, inbound across a SIGKILL",
        arguments: ConformancePlatform.allCases, BlackboxBackend.available)
    func lifecycle(_ platform: ConformancePlatform, backend: BlackboxBackend) async throws {
        let server = try await platform.server()
        let gw = try Gatewayd()
        defer { gw.remove() }
        let (db, store) = try await backend.open(gw)
        defer { Task { await store.close() } }
        let bot = WebhookReceiver()
        try await bot.start()
        defer { bot.stop() }
        let config = try gw.config(Self.yaml(server, webhook: bot.url("/inbound")))
        var daemon = try gw.daemon(config, arguments: ["--http", "127.0.0.1:0"], environment: server.environment, db: db)
        var log = ""
        func state() async throws -> PlatformRecord? { try await store.platform("p") }
        func inbox() async throws -> [String] { try await store.inbox(platform: "p", afterID: 0, limit: 1_000).map(\.text) }
        var port = try await daemon.httpPort()

        // 1. It connects, and what a user posts reaches the inbox in order.
        try await waitUntil("p is connected", timeout: .seconds(30), every: .milliseconds(20)) { try await state()?.state == .connected }
        let first = (1...5).map { "in-\($0)" }
        try await server.post(first)
        try await waitUntil("the first five reach the inbox", timeout: .seconds(30), every: .milliseconds(20)) { try await inbox().count >= 5 }
        #expect(try await inbox() == first, "\(platform)")

        // 2. The server goes away: a network failure, waited out; what the bot sends meanwhile is queued.
        await server.stop()
        try await waitUntil("p is backing off with a network error", timeout: .seconds(30), every: .milliseconds(20)) {
            let row = try await state()
            return row?.state == .backingOff && row?.lastErrorClass == .network
        }
        let outgoing = (1...Self.outageMessages).map { String(format: "out-%03d", $0) }
        let batch = outgoing.map { #"{"platform": "p", "target": "\#(server.chat)", "text": "\#($0)"}"# }
        let reply = try await http(.POST, "http://127.0.0.1:\(port)/v1/messages", body: "[\(batch.joined(separator: ","))]")
        #expect(reply.status == 202, "\(platform): \(reply.body)")

        // 3. It comes back by itself and flushes the queue: once each, in order. (Paced as each platform asks:
        // Telegram one message a second per chat, so its 100 take 100 s; the bound only stops a hung test.)
        try await server.start()
        try await waitUntil("p is connected again", timeout: .seconds(60), every: .milliseconds(20)) { try await state()?.state == .connected }
        try await waitUntil("the queue reaches the server", timeout: .seconds(400), every: .milliseconds(50)) {
            try await server.delivered().count >= Self.outageMessages
        }
        try await Task.sleep(for: .milliseconds(300))  // room for a duplicate to show up, were there one
        let flushed = try await server.delivered()
        #expect(flushed == outgoing, "\(platform): once each, in order; got \(flushed.count): \(flushed.difference(from: outgoing))")
        try await waitUntil("the daemon has recorded every message sent", timeout: .seconds(30), every: .milliseconds(20)) {
            try await store.outbox(states: [.queued, .sending]).isEmpty
        }

        // 4. SIGKILL: what users post while the daemon is dead (where the platform keeps it) and after its restart
        // reaches the inbox; nothing already stored comes again.
        daemon.kill(SIGKILL)
        _ = await daemon.finished()
        log += daemon.log
        var expected = first
        if server.keepsHistory {
            try await server.post(["in-6", "in-7"])
            expected += ["in-6", "in-7"]
        }
        // On PostgreSQL the restarted daemon is a new member of the fleet: it claims p once the killed one's lease
        // (3 s) has run out.
        daemon = try gw.daemon(config, arguments: ["--http", "127.0.0.1:0"], environment: server.environment, db: db)
        port = try await daemon.httpPort()
        try await waitUntil("p is connected after the restart", timeout: .seconds(30), every: .milliseconds(20)) {
            try await state()?.state == .connected
        }
        try await server.post(["in-8"])
        expected.append("in-8")
        try await waitUntil("in-8 reaches the inbox", timeout: .seconds(30), every: .milliseconds(20)) { try await inbox().contains("in-8") }
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await inbox() == expected, "\(platform): neither lost nor repeated across the restart")
        // The bot behind the inbox webhook gets each of them, in order (at-least-once: a POST cut by the SIGKILL
        // may come twice, under the same Idempotency-Key).
        func webhookTexts() -> [String] {
            var seen = Set<String>()
            return bot.accepted.compactMap { delivery in
                let json = (try? JSONSerialization.jsonObject(with: delivery.body)) as? [String: Any]
                guard let text = json?["text"] as? String, seen.insert(text).inserted else { return nil }
                return text
            }
        }
        try await waitUntil("the webhook has every message", timeout: .seconds(30), every: .milliseconds(20)) {
            webhookTexts().count >= expected.count
        }
        #expect(webhookTexts() == expected, "\(platform): the bot got each message, in order")
        #expect(bot.accepted.allSatisfy { $0.idempotencyKey?.hasPrefix("p:") == true }, "Idempotency-Key: p:<message id>")
        let final = try await server.delivered()
        #expect(final == outgoing, "\(platform): nothing sent twice after the restart: \(final.difference(from: outgoing))")

        daemon.kill(SIGTERM)
        let end = await daemon.finished()
        #expect(end.status == 0, "\(platform): \(end.stderr.suffix(1_000))")
        log += daemon.log
        #expect(try await store.holds("out-001"), "\(platform): the scan for secrets sees what the database stores")
        try await Self.expectNoSecrets(server, gw: gw, store: store, db: db, log: log)
        await server.shutdown()
    }

    /// No secret in the log, the events, the rows, the status output or any database file byte.
    static func expectNoSecrets(
        _ server: any ConformanceServer, gw: Gatewayd, store: any BlackboxReader, db: String? = nil, log: String
    ) async throws {
        // The events and the rows as the SQLite store reads them; on PostgreSQL, the dump below holds them all.
        let sqlite = store as? Store
        let events = try await sqlite?.events(limit: 5_000).map { "\($0.kind) \($0.detail ?? "")" }.joined(separator: "\n") ?? ""
        let rows = try await sqlite?.platforms().map { "\($0.lastError ?? "") \($0.lastErrorCode ?? "")" }.joined(separator: "\n") ?? ""
        let status = try await gw("status", "--json", "--db", db ?? gw.db).stdout
        #expect(!log.isEmpty)
        for secret in server.secrets {
            for (surface, text) in [("the log", log), ("the events", events), ("the rows", rows), ("status --json", status)] {
                #expect(!text.contains(secret), "\(surface) holds a secret")
            }
            #expect(try await !store.holds(secret), "the database holds a secret")
        }
    }
}
