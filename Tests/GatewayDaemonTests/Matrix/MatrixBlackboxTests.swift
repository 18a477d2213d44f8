import Foundation
import GatewayStore
import Testing

extension MatrixTests {
    /// The built `gatewayd` with a `type: matrix` platform against a real Synapse.
    @Suite("Black box: Matrix against Synapse", .serialized)
    struct MatrixBlackboxTests {
        static func yaml(_ synapse: Synapse, room: String, tokenVariable: String) -> String {
            """
            reconnect: { base: 1s, factor: 1, cap: 1s, jitter: 0 }
            when_all_failed: stay
            platforms:
              mx: { type: matrix, homeserver: "\(synapse.baseURL)", access_token: ${\(tokenVariable)}, rooms: ["\(room)"], sync_timeout: 2s, request_timeout: 5s }
            """
        }

        @Test("run connects; a posted message reaches the inbox; POST /v1/messages reaches the room; a SIGKILLed homeserver is backing_off network and back by itself; a daemon restart loses and repeats nothing")
        func endToEnd() async throws {
            try #require(Synapse.isInstalled, "\(Synapse.missing)")
            let synapse = try await Synapse()
            let fixture = try await MatrixRoomFixture.make(on: synapse)
            let gw = try Gatewayd()
            defer { gw.remove() }
            let config = try gw.config(Self.yaml(synapse, room: fixture.alias, tokenVariable: "BB_MX_TOKEN"))
            let environment = ["BB_MX_TOKEN": fixture.bot.accessToken]
            setenv("BB_MX_TOKEN", fixture.bot.accessToken, 1)
            var daemon = try gw.daemon(config, arguments: ["--http", "127.0.0.1:0"])
            let store = try Store(path: gw.db)
            try await waitUntil("mx is connected", timeout: .seconds(60), every: .milliseconds(50)) {
                try await store.platform("mx")?.state == .connected
            }
            let first = try await synapse.post(fixture.user, room: fixture.room, text: "hello gatewayd")
            try await waitUntil("the message is in the inbox", timeout: .seconds(30), every: .milliseconds(50)) {
                try await store.inbox(platform: "mx").contains { $0.messageID == first }
            }
            let base = "http://127.0.0.1:\(try await daemon.httpPort())"
            let body = try jsonText(["platform": "mx", "target": fixture.room, "text": "hello room"])
            let queued = try await http(.POST, "\(base)/v1/messages", body: body)
            #expect(queued.status == 202, "\(queued.body)")
            try await waitUntil("the bot's message is in the room", timeout: .seconds(30), every: .milliseconds(100)) {
                try await synapse.messages(in: fixture.room, reader: fixture.user).contains { $0.body == "hello room" && $0.sender == fixture.bot.userID }
            }

            // A real outage: the homeserver is SIGKILLed, and comes back on the same port with the same data.
            synapse.kill9()
            try await waitUntil("mx is backing_off (network)", timeout: .seconds(60), every: .milliseconds(50)) {
                let row = try await store.platform("mx")
                return row?.state == .backingOff && row?.lastErrorClass == .network
            }
            try await synapse.start()
            try await waitUntil("mx is connected again by itself", timeout: .seconds(60), every: .milliseconds(50)) {
                try await store.platform("mx")?.state == .connected
            }
            let afterOutage = try await synapse.post(fixture.user, room: fixture.room, text: "after the outage")
            try await waitUntil("the message after the outage is in the inbox", timeout: .seconds(30), every: .milliseconds(50)) {
                try await store.inbox(platform: "mx").contains { $0.messageID == afterOutage }
            }

            // The daemon stops; what is posted meanwhile arrives after its restart, once.
            daemon.kill(SIGTERM)
            #expect(await daemon.finished().status == 0)
            let whileDown = [
                try await synapse.post(fixture.user, room: fixture.room, text: "while down 1"),
                try await synapse.post(fixture.user, room: fixture.room, text: "while down 2"),
            ]
            daemon = try gw.daemon(config)
            try await waitUntil("the messages posted while the daemon was down are in the inbox", timeout: .seconds(60), every: .milliseconds(50)) {
                Set(whileDown).isSubset(of: try await store.inbox(platform: "mx").map(\.messageID))
            }
            let inbox = try await store.inbox(platform: "mx")
            #expect(inbox.map(\.text) == ["hello gatewayd", "after the outage", "while down 1", "while down 2"], "\(inbox.map(\.text))")
            daemon.kill(SIGTERM)
            let result = await daemon.finished()
            #expect(result.status == 0)
            let sent = try await synapse.messages(in: fixture.room, reader: fixture.user).filter { $0.sender == fixture.bot.userID }
            #expect(sent.map(\.body) == ["hello room"], "sent once: \(sent.map(\.body))")
            #expect(!(try databaseFilesContain(fixture.bot.accessToken, path: gw.db)), "the access token is in no database byte")
            #expect(!daemon.log.contains(fixture.bot.accessToken) && !result.stderr.contains(fixture.bot.accessToken))
            _ = environment
        }

        @Test("a Matrix entry without homeserver, or with a room that is no room, exits 78 naming the key path")
        func badConfig() async throws {
            let gw = try Gatewayd()
            defer { gw.remove() }
            let missing = try gw.config("platforms:\n  mx: { type: matrix, access_token: ${BB_MX_BAD} }\n", name: "missing.yaml")
            let refused = try await gw.run(["run", "--config", missing.path, "--db", gw.db], environment: ["BB_MX_BAD": "secret-token-x"])
            #expect(refused.status == 78 && refused.stderr.contains("platforms.mx.homeserver"), "\(refused.stderr)")
            #expect(!refused.stderr.contains("secret-token-x"))
            let room = try gw.config(
                "platforms:\n  mx: { type: matrix, homeserver: \"http://127.0.0.1:1\", access_token: ${BB_MX_BAD}, rooms: [\"general\"] }\n",
                name: "room.yaml")
            let badRoom = try await gw.run(["run", "--config", room.path, "--db", gw.db], environment: ["BB_MX_BAD": "secret-token-x"])
            #expect(badRoom.status == 78 && badRoom.stderr.contains("platforms.mx.rooms"), "\(badRoom.stderr)")
        }
    }
}
