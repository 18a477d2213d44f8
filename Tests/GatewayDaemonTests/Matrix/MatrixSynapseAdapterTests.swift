import Foundation
import Testing

@testable import GatewayCore
@testable import GatewayMatrix

extension MatrixTests {
    /// The adapter against a real Synapse (one shared server; each test has its own users and room).
    @Suite("Matrix adapter against Synapse")
    struct MatrixSynapseAdapterTests {
        @Test("connect joins the configured alias, lists the room by name; a posted message reaches the inbox with its next_batch, our own echo does not")
        func connectSyncSend() async throws {
            try #require(Synapse.isInstalled, "\(Synapse.missing)")
            let synapse = try await SharedSynapse.instance.get()
            let fixture = try await MatrixRoomFixture.make(on: synapse)
            let store = MatrixMemoryStore()
            let adapter = matrixAdapter(
                homeserver: synapse.baseURL, token: fixture.bot.accessToken, rooms: [fixture.alias], store: store,
                deviceID: fixture.bot.deviceID)
            try await adapter.connect()
            let channels = await adapter.channels()
            #expect(channels.map(\.id) == [fixture.room], "joined through the alias: \(channels)")
            #expect(channels.first?.name.hasPrefix("Room ") == true, "named by m.room.name: \(channels)")
            #expect(store.since != nil, "the first connect stored the position it starts from")

            try await whileRunning(adapter) {
                let sent = try await adapter.send(OutgoingMessage(target: fixture.room, text: "from the bot"))
                let id = try await synapse.post(fixture.user, room: fixture.room, text: "hello bot")
                try await waitUntil("the user's message is in the inbox", timeout: .seconds(30)) { store.messages.contains { $0.id == id } }
                let message = try #require(store.messages.first { $0.id == id })
                #expect(message.chat == fixture.room && message.sender == fixture.user.userID && message.text == "hello bot")
                #expect(!store.messages.contains { sent.ids.contains($0.id) }, "our own echo is not inbound")
                let handOff = try #require(store.handOffs.last { $0.count > 0 })
                #expect(handOff.cursors["since"] != nil, "the messages were handed on with their next_batch")
                let inRoom = try await synapse.messages(in: fixture.room, reader: fixture.user)
                #expect(inRoom.contains { $0.body == "from the bot" && $0.sender == fixture.bot.userID && sent.ids == [$0.id] })
            }
        }

        @Test("a reply is sent with m.in_reply_to; an inbound reply carries replyTo without the quoted fallback")
        func replies() async throws {
            try #require(Synapse.isInstalled, "\(Synapse.missing)")
            let synapse = try await SharedSynapse.instance.get()
            let fixture = try await MatrixRoomFixture.make(on: synapse)
            let store = MatrixMemoryStore()
            let adapter = matrixAdapter(homeserver: synapse.baseURL, token: fixture.bot.accessToken, rooms: [fixture.room], store: store)
            try await adapter.connect()
            try await whileRunning(adapter) {
                let question = try await synapse.post(fixture.user, room: fixture.room, text: "question")
                let answer = try await adapter.send(OutgoingMessage(target: fixture.room, text: "answer", replyTo: question))
                let event = try await synapse.client(
                    fixture.user, .GET, "/rooms/\(encode(fixture.room))/event/\(encode(try #require(answer.ids.first)))")
                let content = try #require(try json(event.body)["content"] as? [String: Any])
                let relation = content["m.relates_to"] as? [String: Any]
                #expect((relation?["m.in_reply_to"] as? [String: Any])?["event_id"] as? String == question, "\(event.body)")

                let reply = try await synapse.client(
                    fixture.user, .PUT, "/rooms/\(encode(fixture.room))/send/m.room.message/r-\(UUID().uuidString)",
                    body: [
                        "msgtype": "m.text", "body": "> <@bot:localhost> answer\n\nthanks",
                        "m.relates_to": ["m.in_reply_to": ["event_id": answer.ids[0]]],
                    ])
                let replyID = try #require(try json(reply.body)["event_id"] as? String)
                try await waitUntil("the reply is in the inbox", timeout: .seconds(30)) { store.messages.contains { $0.id == replyID } }
                let inbound = try #require(store.messages.first { $0.id == replyID })
                #expect(inbound.replyTo == answer.ids[0] && inbound.text == "thanks")
            }
        }

        @Test("exactly-once: a send repeated with the same delivery key returns the first event and posts nothing new; direct sends are distinct")
        func txnIDDeduplicates() async throws {
            try #require(Synapse.isInstalled, "\(Synapse.missing)")
            let synapse = try await SharedSynapse.instance.get()
            let fixture = try await MatrixRoomFixture.make(on: synapse)
            let store = MatrixMemoryStore()
            let adapter = matrixAdapter(homeserver: synapse.baseURL, token: fixture.bot.accessToken, rooms: [fixture.room], store: store)
            try await adapter.connect()
            let message = OutgoingMessage(target: fixture.room, text: "once", deliveryKey: "1a.2b3c")
            let first = try await adapter.send(message)
            // A second adapter (a restarted daemon) with the same token repeats it.
            let again = matrixAdapter(homeserver: synapse.baseURL, token: fixture.bot.accessToken, rooms: [fixture.room], store: store)
            try await again.connect()
            let second = try await again.send(message)
            #expect(first == second, "the repeat is answered with the event first created")
            _ = try await adapter.send(OutgoingMessage(target: fixture.room, text: "direct"))
            _ = try await adapter.send(OutgoingMessage(target: fixture.room, text: "direct"))
            let long = String(repeating: "long text ", count: 2_500)  // 25,000 bytes: three parts
            let parts = try await adapter.send(OutgoingMessage(target: fixture.room, text: long, deliveryKey: "3c.4d"))
            let partsAgain = try await again.send(OutgoingMessage(target: fixture.room, text: long, deliveryKey: "3c.4d"))
            #expect(parts.ids.count == 3 && parts == partsAgain, "each part keeps its own txnId")
            let bodies = try await synapse.messages(in: fixture.room, reader: fixture.user).filter { $0.sender == fixture.bot.userID }.map(\.body)
            #expect(bodies.filter { $0 == "once" }.count == 1, "one 'once' in the room: \(bodies.count) messages")
            #expect(bodies.filter { $0 == "direct" }.count == 2, "direct sends are not deduplicated")
            #expect(bodies.filter { $0.hasPrefix("long text") }.joined() == long, "the parts, once each, make the text")
            await adapter.disconnect()
            await again.disconnect()
        }

        @Test("the first connect starts from now; a reconnect resumes from the stored since: nothing lost, nothing repeated")
        func startsFromNowThenResumes() async throws {
            try #require(Synapse.isInstalled, "\(Synapse.missing)")
            let synapse = try await SharedSynapse.instance.get()
            let fixture = try await MatrixRoomFixture.make(on: synapse, joinBot: true)
            try await synapse.post(fixture.user, room: fixture.room, text: "before the gateway existed")
            let store = MatrixMemoryStore()
            let first = matrixAdapter(homeserver: synapse.baseURL, token: fixture.bot.accessToken, rooms: [fixture.room], store: store)
            try await first.connect()
            let live = try await whileRunning(first) {
                let id = try await synapse.post(fixture.user, room: fixture.room, text: "live")
                try await waitUntil("'live' is in the inbox", timeout: .seconds(30)) { store.messages.contains { $0.id == id } }
                return id
            }
            let whileAway = [
                try await synapse.post(fixture.user, room: fixture.room, text: "away 1"),
                try await synapse.post(fixture.user, room: fixture.room, text: "away 2"),
            ]
            let second = matrixAdapter(homeserver: synapse.baseURL, token: fixture.bot.accessToken, rooms: [fixture.room], store: store)
            try await second.connect()
            try await whileRunning(second) {
                try await waitUntil("the messages posted while away are in the inbox", timeout: .seconds(30)) {
                    Set(whileAway).isSubset(of: store.messages.map(\.id))
                }
            }
            #expect(store.messages.map(\.text) == ["live", "away 1", "away 2"], "\(store.messages.map(\.text))")
            #expect(store.messages.map(\.id) == [live] + whileAway)
            let counts = store.handOffs.map(\.count).reduce(0, +)
            #expect(counts == 3, "no message was handed on twice (\(counts) handed on)")
        }

        @Test("an invite to a configured room is joined while running; a room that cannot be joined is logged, the connection stays")
        func invitesAndRefusedRooms() async throws {
            try #require(Synapse.isInstalled, "\(Synapse.missing)")
            let synapse = try await SharedSynapse.instance.get()
            let fixture = try await MatrixRoomFixture.make(on: synapse, joinBot: true)
            let tag = UUID().uuidString.prefix(8).lowercased()
            let later = try await synapse.createRoom(owner: fixture.user, alias: "later-\(tag)")
            let store = MatrixMemoryStore()
            let logs = LogCapture()
            let adapter = matrixAdapter(
                homeserver: synapse.baseURL, token: fixture.bot.accessToken,
                rooms: [fixture.room, later, "#missing-\(tag):localhost"], store: store, logs: logs)
            try await adapter.connect()
            #expect(logs.text.contains("cannot join a configured matrix room"), "\(logs.text)")
            #expect(await adapter.channels().map(\.id) == [fixture.room])
            try await whileRunning(adapter) {
                let invite = try await synapse.client(fixture.user, .POST, "/rooms/\(encode(later))/invite", body: ["user_id": fixture.bot.userID])
                #expect(invite.status == 200, "\(invite.body)")
                try await waitUntil("the bot joined the room it was invited to", timeout: .seconds(30)) {
                    await adapter.channels().contains { $0.id == later }
                }
                let id = try await synapse.post(fixture.user, room: later, text: "in the new room")
                try await waitUntil("a message of the new room is in the inbox", timeout: .seconds(30)) { store.messages.contains { $0.id == id } }
            }
        }

        @Test("a wrong token is auth (M_UNKNOWN_TOKEN) and its text holds no token; a send to a room the bot is not in is per-message (M_FORBIDDEN)")
        func realFailures() async throws {
            try #require(Synapse.isInstalled, "\(Synapse.missing)")
            let synapse = try await SharedSynapse.instance.get()
            let fixture = try await MatrixRoomFixture.make(on: synapse)
            let wrong = "syt_wrong_\(UUID().uuidString)"
            let bad = matrixAdapter(homeserver: synapse.baseURL, token: wrong, rooms: [], store: MatrixMemoryStore())
            let error = try await #require(throws: AdapterError.self) { try await bad.connect() }
            #expect(error.errorClass == .auth && error.code == "M_UNKNOWN_TOKEN" && !error.isPerMessage, "\(error)")
            #expect(!error.message.contains(wrong))

            let store = MatrixMemoryStore()
            let adapter = matrixAdapter(homeserver: synapse.baseURL, token: fixture.bot.accessToken, rooms: [], store: store)
            try await adapter.connect()
            let refused = try await #require(throws: AdapterError.self) {
                try await adapter.send(OutgoingMessage(target: fixture.room, text: "not a member"))
            }
            #expect(refused.isPerMessage && refused.code == "M_FORBIDDEN", "\(refused)")
            let wrongDevice = matrixAdapter(
                homeserver: synapse.baseURL, token: fixture.bot.accessToken, rooms: [], store: store, deviceID: "NOTTHISONE")
            let mismatch = try await #require(throws: AdapterError.self) { try await wrongDevice.connect() }
            #expect(mismatch.errorClass == .auth && mismatch.code == "device_mismatch", "\(mismatch)")
            await adapter.disconnect()
        }

        @Test("Synapse's own 429 (rc_message 1/s, burst 1) on a send: rateLimited with the wait of its Retry-After header")
        func realRateLimit() async throws {
            try #require(Synapse.isInstalled, "\(Synapse.missing)")
            let synapse = try await Synapse(messageRate: 1)
            let fixture = try await MatrixRoomFixture.make(on: synapse, joinBot: true)
            let adapter = matrixAdapter(homeserver: synapse.baseURL, token: fixture.bot.accessToken, rooms: [fixture.room], store: MatrixMemoryStore())
            try await adapter.connect()
            var limited: AdapterError?
            for index in 0..<10 where limited == nil {
                do {
                    _ = try await adapter.send(OutgoingMessage(target: fixture.room, text: "burst \(index)"))
                } catch let error as AdapterError {
                    limited = error
                }
            }
            let error = try #require(limited, "ten sends in a row at 1/s met no 429")
            #expect(error.errorClass == .rateLimited && error.code == "M_LIMIT_EXCEEDED" && !error.isPerMessage, "\(error)")
            #expect((1_000...60_000).contains(error.retryAfterMillis ?? 0), "whole seconds from Retry-After: \(error)")
            await adapter.disconnect()
        }

        @Test("the homeserver SIGKILLed: run ends with a network failure naming host:port; after a restart a new attempt connects and resumes")
        func outage() async throws {
            try #require(Synapse.isInstalled, "\(Synapse.missing)")
            let synapse = try await Synapse()
            let fixture = try await MatrixRoomFixture.make(on: synapse, joinBot: true)
            let store = MatrixMemoryStore()
            let first = matrixAdapter(homeserver: synapse.baseURL, token: fixture.bot.accessToken, rooms: [fixture.room], store: store)
            try await first.connect()
            let running = Task { try await first.run() }
            synapse.kill9()
            let failure = await running.result
            let error = try #require(throws: AdapterError.self) { try failure.get() }
            #expect(error.errorClass == .network && error.message.contains("127.0.0.1:\(synapse.port)"), "\(error)")
            let refused = matrixAdapter(homeserver: synapse.baseURL, token: fixture.bot.accessToken, rooms: [fixture.room], store: store)
            let down = try await #require(throws: AdapterError.self) { try await refused.connect() }
            #expect(down.errorClass == .network && down.code == "refused", "\(down)")

            try await synapse.start()
            let id = try await synapse.post(fixture.user, room: fixture.room, text: "after the outage")
            let second = matrixAdapter(homeserver: synapse.baseURL, token: fixture.bot.accessToken, rooms: [fixture.room], store: store)
            try await second.connect()
            try await whileRunning(second) {
                try await waitUntil("the message posted after the restart arrives", timeout: .seconds(30)) { store.messages.contains { $0.id == id } }
            }
        }
    }
}
