import Foundation
import GatewayCore
import Testing

@testable import GatewayStore

/// Schema version 6: the inbox keeps what a message answers, its sender's name, its chat's kind and its files; the
/// outbox keeps what a message answers. Rows written before the migration keep everything they had.
@Suite("Store: richer messages (schema 6)")
struct RichMessagesStoreTests {
    @Test("a version 5 file migrates: its rows are intact, the new fields empty; the new fields round-trip")
    func migratesAndRoundTrips() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appending(path: "g.db").path
            do {
                let raw = try Connection(path: path, options: .init())
                try Migrator(migrations: EmbeddedMigrations.all.filter { $0.version <= 5 }).migrate(raw)
                try raw.execute("""
                    INSERT INTO platforms (name, type, state, attempts, state_changed_at, created_at)
                    VALUES ('tg', 'telegram', 'paused', 0, 1, 1)
                    """)
                try raw.execute("INSERT INTO inbox (platform, message_id, chat, sender, text, received_at) VALUES ('tg', '42:1', '42', '7', 'old', 5)")
                try raw.execute("INSERT INTO outbox (platform, target, text, state, created_at, updated_at) VALUES ('tg', '42', 'old out', 'queued', 5, 5)")
            }
            let store = try Store(path: path)
            let old = try #require(try await store.inbox().first)
            #expect(old.text == "old" && old.replyTo == nil && old.senderName == nil && old.chatKind == nil && old.attachments.isEmpty)
            let oldOut = try await store.outbox()
            #expect(oldOut.map(\.text) == ["old out"] && oldOut.first?.replyTo == nil)

            let files = [
                Attachment(kind: .image, size: 210_000, fileID: "large"),
                Attachment(kind: .file, fileName: "report.pdf", size: 48_213, mimeType: "application/pdf", fileID: "d", url: "https://cdn.example/x?a=1&b=2"),
            ]
            try await store.receive(platform: "tg", [
                ReceivedMessage(
                    messageID: "42:18", chat: "42", sender: "7", text: "this one", sentAt: 9, replyTo: "42:17",
                    senderName: "Ada Lovelace", chatKind: .group, attachments: files),
            ], cursors: [:])
            let rich = try #require(try await store.inbox(afterID: old.id).first)
            #expect(rich.replyTo == "42:17" && rich.senderName == "Ada Lovelace" && rich.chatKind == .group && rich.attachments == files)
            let queued = try await store.enqueue([NewOutboxMessage(platform: "tg", target: "42", text: "answer", replyTo: "42:18")])
            #expect(queued.first?.replyTo == "42:18")
            let readBack = try await store.outbox()
            #expect(readBack.last?.replyTo == "42:18", "read back from the file")

            // The operator's recipe in migrations/0006: files with sqlite3's JSON functions.
            let check = try Connection(path: path, options: .init())
            let names = try check.rows(
                "SELECT a.value ->> 'kind', a.value ->> 'size' FROM inbox, json_each(inbox.attachments) a ORDER BY inbox.id, a.key"
            ) { "\($0.string(0)) \($0.optionalInt64(1).map(String.init) ?? "-")" }
            #expect(names == ["image 210000", "file 48213"])
            #expect(throws: (any Error).self) {
                try check.execute("UPDATE inbox SET chat_kind = 'forum' WHERE id = \(rich.id)")
            }
            #expect(throws: (any Error).self) {
                try check.execute("UPDATE inbox SET attachments = 'not json' WHERE id = \(rich.id)")
            }
        }
    }

    @Test("an attachment the column's schema does not describe is skipped; the others are kept")
    func lenientColumn() {
        let text = #"[{"kind":"image","file_id":"a"},{"kind":"hologram"},{"kind":"file","file_name":"b.txt","size":3}]"#
        #expect(AttachmentColumn.decode(text) == [
            Attachment(kind: .image, fileID: "a"), Attachment(kind: .file, fileName: "b.txt", size: 3),
        ])
        #expect(AttachmentColumn.decode(nil).isEmpty && AttachmentColumn.encode([]) == nil)
    }
}
