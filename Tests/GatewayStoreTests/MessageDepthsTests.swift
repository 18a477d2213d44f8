import Foundation
import GatewayCore
import Testing

@testable import GatewayStore

/// Schema 7: `message_depths` holds, per platform, how many inbox rows are pending and how many outbox rows wait —
/// kept by triggers, so it must always equal counting the rows.
@Suite("Store: message depths (schema 7)")
struct MessageDepthsTests {
    /// What counting the rows says, per platform (platforms with nothing waiting left out).
    func counted(_ path: String) throws -> [String: [Int]] {
        let check = try Connection(path: path, options: .init())
        var result: [String: [Int]] = [:]
        try check.forEach("SELECT platform, count(*) FROM inbox WHERE delivered_at IS NULL GROUP BY platform") {
            result[$0.string(0), default: [0, 0]][0] = $0.int(1)
        }
        try check.forEach("SELECT platform, count(*) FROM outbox WHERE state IN ('queued', 'sending') GROUP BY platform") {
            result[$0.string(0), default: [0, 0]][1] = $0.int(1)
        }
        return result
    }

    func kept(_ store: Store) async throws -> [String: [Int]] {
        try await store.messageDepths().filter { $0.value.inbox != 0 || $0.value.outbox != 0 }
            .mapValues { [$0.inbox, $0.outbox] }
    }

    @Test("2,000 random enqueues, sends, failures, retries, expiries, receipts, deliveries and prunes: always the count")
    func alwaysTheCount() async throws {
        try await withStore { store, clock, path in
            try await store.startup(configured: ["a", "b", "c"].map { PlatformSpec(name: $0, type: "irc") })
            var random = SplitMix64(seed: 7)
            let states: [OutboxEntry.State] = [.sending, .sent, .failed, .queued, .expired]
            var received = 0
            for step in 0..<2_000 {
                let platform = ["a", "b", "c"][Int.random(in: 0..<3, using: &random)]
                switch Int.random(in: 0..<7, using: &random) {
                case 0:
                    let ttl = Bool.random(using: &random) ? clock.nowMillis() + Int64.random(in: 1...5_000, using: &random) : nil
                    let count = Int.random(in: 1...4, using: &random)
                    _ = try await store.enqueue((0..<count).map { _ in
                        NewOutboxMessage(platform: platform, target: "#c", text: "m", expiresAt: ttl)
                    })
                case 1, 2:
                    let rows = try await store.outbox(platform: platform)
                    if let row = rows.randomElement(using: &random) {
                        try await store.updateOutbox(row.id, to: states.randomElement(using: &random)!, error: "e")
                    }
                case 3:
                    clock.advance(millis: Int64.random(in: 0...3_000, using: &random))
                    try await store.expireOutbox()
                case 4:
                    received += 1
                    let id = Bool.random(using: &random) ? "dup" : "m\(received)"  // a redelivery is ignored
                    try await store.receive(platform: platform, [
                        ReceivedMessage(messageID: id, chat: "#c", sender: "s", text: "t", sentAt: nil)], cursors: [:])
                case 5:
                    let pending = try await store.pendingInbox(limit: 3)
                    try await store.markInboxDelivered(pending.map(\.id))
                default:
                    try await store.pruneInbox(
                        deliveredBefore: clock.nowMillis(), undeliveredBefore: Bool.random(using: &random) ? clock.nowMillis() : nil)
                }
                let expected = try counted(path), actual = try await kept(store)
                #expect(actual == expected, "after step \(step)")
                if actual != expected { return }
            }
            #expect(try await store.waitingOutbox().map(\.platform) == (try counted(path)).filter { $0.value[1] > 0 }.keys.sorted())
        }
    }

    @Test("a version 6 file with waiting messages migrates with its counts")
    func migratesWithCounts() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appending(path: "g.db").path
            do {
                let raw = try Connection(path: path, options: .init())
                try Migrator(migrations: EmbeddedMigrations.all.filter { $0.version <= 6 }).migrate(raw)
                for name in ["tg", "irc"] {
                    try raw.execute("""
                        INSERT INTO platforms (name, type, state, attempts, state_changed_at, created_at)
                        VALUES ('\(name)', 'telegram', 'paused', 0, 1, 1)
                        """)
                }
                for (index, state) in ["queued", "sending", "sent", "failed", "queued"].enumerated() {
                    try raw.execute("""
                        INSERT INTO outbox (platform, target, text, state, created_at, updated_at)
                        VALUES ('tg', '42', 'm\(index)', '\(state)', 5, 5)
                        """)
                }
                try raw.execute("INSERT INTO inbox (platform, message_id, chat, sender, text, received_at) VALUES ('irc', '1', '#c', 'n', 'x', 5)")
                try raw.execute("INSERT INTO inbox (platform, message_id, chat, sender, text, received_at, delivered_at) VALUES ('irc', '2', '#c', 'n', 'x', 5, 6)")
            }
            let store = try Store(path: path)
            #expect(try await kept(store) == ["tg": [0, 3], "irc": [1, 0]])
            #expect(try await store.waitingOutbox().map(\.platform) == ["tg"])
        }
    }
}
