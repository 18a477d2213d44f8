import Foundation
import Testing

@testable import GatewayCore
@testable import GatewayMatrix

extension MatrixTests {
    @Suite("Matrix: settings, ids, splitting, inbound, secrets")
    struct MatrixUnitTests {
        private func config(_ options: [String: ConfigValue], token: String? = "tok-secret") -> PlatformConfig {
            PlatformConfig(name: "mx", type: .matrix, options: options, secrets: token.map { ["access_token": Secret($0)] } ?? [:])
        }

        @Test("settings: each bad value is refused naming its key")
        func settings() throws {
            let good: [String: ConfigValue] = ["homeserver": .string("https://matrix.example.org/"), "rooms": .list(["#a:example.org", "!b"])]
            let settings = try MatrixSettings(config(good))
            #expect(settings.homeserver == "https://matrix.example.org" && settings.syncTimeoutMillis == 30_000)
            let cases: [([String: ConfigValue], String?, String)] = [
                ([:], "t", "homeserver"),
                (["homeserver": .string("matrix.example.org")], "t", "homeserver"),
                (["homeserver": .string("https://m.org")], nil, "access_token"),
                (["homeserver": .string("https://m.org")], "a b", "access_token"),
                (["homeserver": .string("https://m.org"), "rooms": .list(["general"])], "t", "rooms"),
                (["homeserver": .string("https://m.org"), "device_id": .string("a b")], "t", "device_id"),
                (["homeserver": .string("https://m.org"), "sync_timeout": .duration(millis: 500)], "t", "sync_timeout"),
                (["homeserver": .string("https://m.org"), "request_timeout": .duration(millis: 10)], "t", "request_timeout"),
            ]
            for (options, token, key) in cases {
                let error = try #require(throws: AdapterError.self) { try MatrixSettings(config(options, token: token)) }
                #expect(error.errorClass == .auth && error.code == "config")
                #expect(ConfigKeyProbe.firstKey(error.message) == key, "\(error.message)")
            }
        }

        @Test("ids: room ids with and without :server, aliases, event ids; the kind's target and reply rules")
        func ids() {
            #expect(MatrixIDs.isRoomTarget("!abc:example.org") && MatrixIDs.isRoomTarget("!abc") && MatrixIDs.isRoomTarget("#ops:example.org"))
            #expect(!MatrixIDs.isRoomTarget("#ops") && !MatrixIDs.isRoomTarget("general") && !MatrixIDs.isRoomTarget("!a b") && !MatrixIDs.isRoomTarget("!"))
            #expect(MatrixPlatform.kind.targetProblem("123") != nil && MatrixPlatform.kind.targetProblem("!x:y") == nil)
            #expect(MatrixPlatform.kind.replyToProblem("$event") == nil && MatrixPlatform.kind.replyToProblem("42") != nil)
            #expect(MatrixPlatform.kind.endpoint(config(["homeserver": .string("http://127.0.0.1:8008")])) == Endpoint(host: "127.0.0.1", port: 8008, tls: false))
        }

        @Test("txnIds: the delivery key (plus the part), a fresh one for direct sends")
        func txnIDs() {
            #expect(MatrixAdapter.txnID("1a.2b", direct: "u", part: 0, of: 1) == "gw.1a.2b")
            #expect(MatrixAdapter.txnID("1a.2b", direct: "u", part: 2, of: 3) == "gw.1a.2b.2")
            #expect(MatrixAdapter.txnID(nil, direct: "u", part: 0, of: 1) == "gw-direct.u")
            #expect(MatrixPath.encode("!a:b.c/#d é") == "%21a%3Ab.c%2F%23d%20%C3%A9")
        }

        @Test("splitting: parts within 10,000 bytes, cut at a newline or space, nothing lost, graphemes whole")
        func splitting() {
            #expect(MatrixTextSplitter.split("short") == ["short"])
            let words = String(repeating: "word ", count: 5_000)
            let parts = MatrixTextSplitter.split(words)
            #expect(parts.count == 3 && parts.joined() == words && parts.allSatisfy { $0.utf8.count <= 10_000 && $0.hasSuffix(" ") || $0 == parts.last })
            let emoji = String(repeating: "👩‍👩‍👧", count: 2_000)  // 18 bytes each, no spaces
            let cut = MatrixTextSplitter.split(emoji)
            #expect(cut.joined() == emoji && cut.allSatisfy { $0.utf8.count <= 10_000 && $0.utf8.count % 18 == 0 })
        }

        @Test("inbound: own echoes, non-messages and bodiless events are skipped; a reply's fallback is cut")
        func inbound() throws {
            func event(_ json: String) throws -> MatrixEvent { try JSONDecoder().decode(MatrixEvent.self, from: Data(json.utf8)) }
            let message = try event(#"{"type":"m.room.message","event_id":"$1","sender":"@u:s","origin_server_ts":5,"content":{"msgtype":"m.text","body":"hi"}}"#)
            let inbound = try #require(MatrixInbound.message(from: message, room: "!r", ownUser: "@bot:s", platform: "mx"))
            #expect(inbound.id == "$1" && inbound.chat == "!r" && inbound.sender == "@u:s" && inbound.text == "hi" && inbound.sentAt == 5)
            #expect(MatrixInbound.message(from: message, room: "!r", ownUser: "@u:s", platform: "mx") == nil, "own echo")
            let odd = try event(#"{"type":"m.room.message","event_id":"$2","sender":"@u:s","content":{"body":42}}"#)
            #expect(MatrixInbound.message(from: odd, room: "!r", ownUser: "@bot:s", platform: "mx") == nil)
            #expect(MatrixInbound.withoutReplyFallback("> <@a:b> q\n> more\n\nanswer\nline") == "answer\nline")
            #expect(MatrixInbound.withoutReplyFallback("> just a quote") == "> just a quote")
            let sync = try JSONDecoder().decode(MatrixSync.self, from: Data(#"{"next_batch":"s9","rooms":{"join":{"!r":{"timeline":{"events":[{"type":"m.room.message"},{"no":"type"}]}}}}}"#.utf8))
            #expect(sync.nextBatch == "s9" && sync.joined["!r"]?.timeline.count == 1, "an event that does not decode is dropped, not the sync")
        }

        @Test("the access token travels only in the Authorization header: in no URL")
        func tokenOnlyInHeader() async throws {
            let server = try await MatrixFakeHomeserver.start()
            let token = "syt_only_in_the_header_123"
            let adapter = matrixAdapter(homeserver: server.baseURL, token: token, rooms: ["#a:fake"], store: MatrixMemoryStore())
            try await adapter.connect()
            _ = try await adapter.send(OutgoingMessage(target: "#a:fake", text: "x", deliveryKey: "k.1"))
            let requests = server.requests
            #expect(requests.count >= 4, "\(requests.map(\.uri))")
            #expect(requests.allSatisfy { !$0.uri.contains(token) && $0.authorization == "Bearer \(token)" })
            #expect(requests.contains { $0.uri.contains("/send/m.room.message/gw.k.1") && $0.uri.contains("%21room%3Afake") }, "the alias resolved to its room")
            await adapter.disconnect()
            await server.stop()
        }
    }
}

/// The key the configuration loader would name for an adapter's message (its first word that is a Matrix key).
enum ConfigKeyProbe {
    static func firstKey(_ message: String) -> String? {
        let text = message.split(separator: ":", maxSplits: 1).last.map(String.init) ?? message
        let words = text.split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init)
        return words.first { MatrixPlatform.kind.keys[$0] != nil }
    }
}
