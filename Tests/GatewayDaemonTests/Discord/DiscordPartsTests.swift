import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayDiscord
@testable import GatewayDaemon
@testable import GatewayRuntime

/// The adapter's pure parts: heartbeat schedule, payloads, message splitting, settings.
@Suite("Discord parts")
struct DiscordPartsTests {
    @Test("the first heartbeat is due at interval × jitter after HELLO, then one interval after each send")
    func heartbeatSchedule() {
        var schedule = HeartbeatSchedule(helloAt: 1_000, intervalMillis: 40_000, jitter: 0.25)
        #expect(schedule.nextDueAt == 11_000)
        #expect(schedule.due(now: 11_000) == .send)
        #expect(schedule.nextDueAt == 51_000 && schedule.awaitingACK)
        schedule.acknowledged()
        #expect(schedule.due(now: 53_000) == .send, "late is fine")
        #expect(schedule.nextDueAt == 93_000, "measured from the send, not the missed deadline")
        #expect(schedule.sent == 2)
    }

    @Test("a heartbeat due while the previous one is unacknowledged means a zombie")
    func zombie() {
        var schedule = HeartbeatSchedule(helloAt: 0, intervalMillis: 1_000, jitter: 0)
        #expect(schedule.due(now: 0) == .send)
        #expect(schedule.due(now: 1_000) == .zombie)
        #expect(schedule.sent == 1)
    }

    @Test("jitter outside [0, 1) is clamped; a zero interval cannot spin", arguments: [-1.0, 1.0, 7.0, .nan])
    func jitterClamped(_ jitter: Double) {
        let schedule = HeartbeatSchedule(helloAt: 0, intervalMillis: 1_000, jitter: jitter)
        #expect((0..<1_000).contains(schedule.nextDueAt))
        #expect(HeartbeatSchedule(helloAt: 0, intervalMillis: 0, jitter: 0).intervalMillis == 1)
    }

    @Test("payloads: heartbeat carries the last seq (or null); RESUME carries session and seq; frames round-trip")
    func payloads() throws {
        #expect(GatewayFrame.heartbeat(seq: 42).d == .int(42))
        #expect(GatewayFrame.heartbeat(seq: nil).d == .null)
        let resume = GatewayFrame.resume(token: "t0k3n", sessionID: "abc", seq: 7)
        #expect(resume.op == 6 && resume.d["session_id"] == .string("abc") && resume.d["seq"] == .int(7))
        let identify = GatewayFrame.identify(token: "t0k3n", intents: 513)
        #expect(identify.op == 2 && identify.d["intents"] == .int(513) && identify.d["token"] == .string("t0k3n"))
        let dispatch = GatewayFrame(.dispatch, d: .object(["content": .string("hé \"quoted\"")]), s: 9, t: "MESSAGE_CREATE")
        #expect(GatewayFrame(text: dispatch.text) == dispatch)
        #expect(GatewayFrame(text: "not json") == nil)
        #expect(GatewayFrame(text: #"{"d": 1}"#) == nil, "no op")
        let hello = try #require(GatewayFrame(text: #"{"op":10,"d":{"heartbeat_interval":41250},"s":null,"t":null}"#))
        #expect(hello.opcode == .hello && hello.d["heartbeat_interval"]?.intValue == 41_250 && hello.s == nil)
    }

    @Test("text over 2000 characters is split at line breaks or spaces, never inside a character")
    func splitting() {
        #expect(MessageSplitter.split("short") == ["short"])
        let plain = String(repeating: "a", count: 4_500)
        #expect(MessageSplitter.split(plain).map(\.count) == [2_000, 2_000, 500])
        let lines = (0..<300).map { "line \($0) of the report" }.joined(separator: "\n")
        let parts = MessageSplitter.split(lines)
        #expect(parts.joined() == lines && parts.allSatisfy { $0.count <= 2_000 })
        #expect(parts.dropLast().allSatisfy { $0.hasSuffix("\n") })
        let emoji = String(repeating: "👩‍👩‍👧", count: 2_001)
        #expect(MessageSplitter.split(emoji).map(\.count) == [2_000, 1])
    }

    @Test("settings: defaults, overrides, and unusable values as auth-class config errors")
    func settings() throws {
        let plain = PlatformConfig(name: "dc", type: .discord, secrets: ["token": Secret("abc.def")])
        let defaults = try DiscordSettings(plain)
        #expect(defaults.apiBase == "https://discord.com/api/v10" && defaults.gatewayURL == nil)
        #expect(defaults.intents == 37_377)
        var custom = plain
        custom.options = ["api_base": .string("http://127.0.0.1:9/api/v10/"), "gateway_url": .string("ws://127.0.0.1:9"), "intents": .int(513)]
        let overridden = try DiscordSettings(custom)
        #expect(overridden.apiBase == "http://127.0.0.1:9/api/v10" && overridden.gatewayURL == "ws://127.0.0.1:9" && overridden.intents == 513)
        #expect(DiscordSettings.socketURL("wss://gateway.discord.gg/") == "wss://gateway.discord.gg/?v=10&encoding=json")
        for options: [String: ConfigValue] in [["api_base": .string("ftp://x")], ["gateway_url": .string("http://x")], ["intents": .int(-1)]] {
            var bad = plain
            bad.options = options
            #expect(throws: AdapterError.self) { try DiscordSettings(bad) }
            do { _ = try DiscordSettings(bad) } catch { #expect(error.errorClass == .auth && error.code == "config") }
        }
        let spaced = PlatformConfig(name: "dc", type: .discord, secrets: ["token": Secret("abc def")])
        do { _ = try DiscordSettings(spaced); Issue.record("a token with a space was accepted") } catch {
            #expect(!error.message.contains("abc def"), "the error does not quote the token")
        }
    }

    @Test("Discord timestamps become Unix milliseconds")
    func timestamps() {
        #expect(DiscordAdapter.millis("2027-01-15T08:00:00.250000+00:00") == 1_800_000_000_250)
        #expect(DiscordAdapter.millis("2027-01-15T08:00:00+00:00") == 1_800_000_000_000)
        #expect(DiscordAdapter.millis("yesterday") == nil)
    }
}
