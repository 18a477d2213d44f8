import Foundation
import GatewayCore
import GatewayDaemon
import GatewayRuntime
import GatewayStore
import Testing

extension MatrixTests {
    /// The exactly-once proof: a real `gatewayd run` SIGKILLed in the middle of flushing 100 queued messages to Synapse,
    /// at the worst moment — Synapse has created the event, the daemon has not heard back (the entry is `sending`). The
    /// restarted daemon sends that entry again with the same txnId; Synapse answers with the event it created first, so
    /// the room holds each message once.
    @Suite("Process level: SIGKILL mid-flush against Synapse", .serialized)
    struct MatrixFlushCrashTests {
        static let count = 100

        @Test("Matrix: all 100 arrive exactly once, in order; the in-flight message's repeat is answered by its txnId")
        func exactlyOnce() async throws {
            try #require(Synapse.isInstalled, "\(Synapse.missing)")
            let synapse = try await SharedSynapse.instance.get()
            let fixture = try await MatrixRoomFixture.make(on: synapse, joinBot: true)
            let proxy = try await MatrixHoldingProxy.start(upstream: synapse.baseURL)
            let binary = try #require(builtGatewayd(), "build the gatewayd product first")
            let dir = FileManager.default.temporaryDirectory.appending(path: "gatewayd-mx-flushcrash-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let db = dir.appending(path: "g.db").path
            let config = dir.appending(path: "c.yaml")
            setenv("MX_FLUSH_TOKEN", fixture.bot.accessToken, 1)
            try """
                reconnect: { base: 1s, jitter: 0 }
                when_all_failed: stay
                platforms:
                  mx: { type: matrix, homeserver: "\(proxy.baseURL)", access_token: ${MX_FLUSH_TOKEN}, rooms: ["\(fixture.room)"], sync_timeout: 2s, request_timeout: 10s }
                """.write(to: config, atomically: true, encoding: .utf8)
            let store = try Store(path: db)
            func wait(_ what: String, _ condition: () async throws -> Bool) async throws {
                try await waitUntil(what, timeout: .seconds(60), every: .milliseconds(10), condition)
            }

            // The platform row exists; then 100 messages are queued while no daemon runs.
            let first = try DaemonProcess(binary: binary, config: config, db: db)
            try await wait("mx is connected") { try await store.platform("mx")?.state == .connected }
            first.kill(SIGTERM)
            #expect(await first.finished().status == 0)
            let batch = (0..<Self.count).map { NewOutboxMessage(platform: "mx", target: fixture.room, text: "m\($0)") }
            #expect(try await DeliveryRouter.enqueue(store: store, kinds: PlatformKinds.all, batch: batch).count == Self.count)

            proxy.hold(at: 31)  // the 31st event is created, its answer held back
            let daemon = try DaemonProcess(binary: binary, config: config, db: db)
            try await wait("the 31st message is created but not yet answered") { proxy.held != nil }
            daemon.kill(SIGKILL)
            _ = await daemon.finished()
            proxy.hold(at: nil)
            let held = try #require(proxy.held)
            let sending = try await store.outbox(states: [.sending])
            #expect(sending.count == 1, "exactly one message in flight at the kill: \(sending.map(\.text))")
            let flying = try #require(sending.first)
            #expect(flying.text == "m30", "the in-flight entry is the 31st message")

            let second = try DaemonProcess(binary: binary, config: config, db: db)
            try await wait("the rest of the outbox is flushed") { try await store.outbox(states: [.queued, .sending]).isEmpty }
            second.kill(SIGTERM)
            let result = await second.finished()
            #expect(result.status == 0, "\(result.stderr.suffix(1_500))")
            #expect(try await store.outbox(states: [.sent]).count == Self.count)

            let inRoom = try await synapse.messages(in: fixture.room, reader: fixture.user).filter { $0.sender == fixture.bot.userID }
            #expect(inRoom.map(\.body) == (0..<Self.count).map { "m\($0)" }, "each message once, in order (\(inRoom.count) in the room)")
            let repeats = proxy.sends.filter { $0.txnID == held.txnID }
            #expect(repeats.count == 2 && repeats.allSatisfy { $0.eventID == held.eventID }, "the repeat was answered with the first event: \(repeats)")
            let entry = try #require(try await store.outbox(states: [.sent]).first { $0.id == flying.id })
            #expect(entry.platformIDs == [held.eventID] && entry.attempts == 2, "recorded with the event first created")
            #expect(Set(proxy.sends.map(\.txnID)).count == Self.count, "every message carried its own txnId")
            await proxy.stop()
        }
    }
}
