import Foundation
import GatewayStore
import Logging
import Synchronization
import Testing

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime
@testable import GatewayStore

@Suite("Inbox")
struct InboxTests {
    func withStore(_ body: (Store, ManualClock) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appending(path: "gatewayd-inbox-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = ManualClock()
        let store = try Store(path: dir.appending(path: "g.db").path, clock: clock)
        try await store.startup(configured: [PlatformSpec(name: "tg", type: "telegram")])
        try await body(store, clock)
    }

    func message(_ id: Int) -> InboundMessage {
        InboundMessage(platform: "tg", id: "\(id)", chat: "42", sender: "7", text: "hello \(id)", sentAt: 1_000)
    }

    @Test("a batch and its cursor commit together; a redelivered message is ignored")
    func batchAndCursor() async throws {
        try await withStore { store, _ in
            let sink = InboxSink(store: store)
            try await sink.handOff(platform: "tg", messages: [message(1), message(2)], cursors: ["offset": "3"])
            try await sink.handOff(platform: "tg", messages: [message(2), message(3)], cursors: ["offset": "4"])
            #expect(try await store.inbox().map(\.messageID) == ["1", "2", "3"])
            #expect(try await store.cursor(platform: "tg", key: "offset") == "4")
        }
    }

    @Test("the cursor is never ahead of the committed inbox: a batch that fails midway stores nothing, cursor included")
    func cursorNeverAhead() async throws {
        try await withStore { store, _ in
            let sink = InboxSink(store: store)
            try await sink.handOff(platform: "tg", messages: [message(1)], cursors: ["offset": "2"])
            // Make the second message of the next batch fail inside the transaction.
            let raw = try Connection(path: store.path, options: .init())
            try raw.execute("""
                CREATE TRIGGER poison BEFORE INSERT ON inbox WHEN NEW.message_id = '3'
                BEGIN SELECT RAISE(ABORT, 'poisoned'); END
                """)
            await #expect(throws: SQLiteError.self) {
                try await sink.handOff(platform: "tg", messages: [message(2), message(3)], cursors: ["offset": "4"])
            }
            #expect(try await store.inbox().map(\.messageID) == ["1"], "message 2 rolled back with the batch")
            #expect(try await store.cursor(platform: "tg", key: "offset") == "2", "the cursor did not move")
            try raw.execute("DROP TRIGGER poison")
            try await sink.handOff(platform: "tg", messages: [message(2), message(3)], cursors: ["offset": "4"])
            #expect(try await store.inbox().map(\.messageID) == ["1", "2", "3"])
        }
    }

    @Test("the consumer gets every message once acknowledged, in order, retried with backoff until it answers 2xx")
    func dispatcherRetries() async throws {
        try await withStore { store, clock in
            try await InboxSink(store: store).handOff(platform: "tg", messages: (1...5).map(message), cursors: ["offset": "6"])
            let received = Mutex<[String]>([])
            let failuresLeft = Mutex(2)
            let dispatcher = InboxDispatcher(
                store: store, config: InboxConfig(webhook: "http://consumer.invalid/in"), clock: clock, logger: Logger(label: "t"),
                post: { _, body, key in
                    try failuresLeft.withLock { left in
                        if left > 0 { left -= 1; throw AlertDeliveryError("consumer down") }
                    }
                    received.withLock { $0.append(key) }
                    _ = body
                })
            var next = await dispatcher.dispatch()
            #expect(received.withLock { $0 }.isEmpty && next == clock.nowMillis() + 1_000)
            clock.advance(millis: 1_000)
            next = await dispatcher.dispatch()
            #expect(next == clock.nowMillis() + 2_000, "the second failure waits longer")
            clock.advance(millis: 2_000)
            next = await dispatcher.dispatch()
            #expect(next == nil)
            #expect(received.withLock { $0 } == (1...5).map { "tg:\($0)" }, "each once, in order, with its idempotency key")
            #expect(try await store.pendingInbox().isEmpty)
            // A restarted dispatcher finds nothing to redeliver.
            _ = await InboxDispatcher(
                store: store, config: InboxConfig(webhook: "http://consumer.invalid/in"), clock: clock, logger: Logger(label: "t"),
                post: { _, _, key in received.withLock { $0.append("again " + key) } }).dispatch()
            #expect(received.withLock { $0 }.count == 5)
        }
    }

    @Test("retention removes old delivered messages, and undelivered ones only when nothing consumes the inbox")
    func retention() async throws {
        try await withStore { store, clock in
            try await InboxSink(store: store).handOff(platform: "tg", messages: [message(1), message(2)], cursors: [:])
            try await store.markInboxDelivered([try #require(try await store.inbox().first?.id)])
            clock.advance(seconds: 8 * 86_400)
            #expect(try await store.pruneInbox(deliveredBefore: clock.nowMillis() - 7 * 86_400_000, undeliveredBefore: nil) == 1)
            #expect(try await store.inbox().map(\.messageID) == ["2"], "an undelivered message waits for its consumer")
            #expect(try await store.pruneInbox(deliveredBefore: 0, undeliveredBefore: clock.nowMillis() - 7 * 86_400_000) == 1)
        }
    }
}
