import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayIRC
@testable import GatewayDaemon
@testable import GatewayRuntime

@Suite("IRC registration")
struct IRCRegistrationTests {
    static func settings(_ extra: [String: ConfigValue] = [:], secrets: [String: Secret] = [:]) throws -> IRCSettings {
        var options: [String: ConfigValue] = ["server": .string("irc.example"), "nick": .string("gwbot")]
        options.merge(extra) { $1 }
        return try IRCSettings(PlatformConfig(name: "chat", type: .irc, options: options, secrets: secrets))
    }

    /// Feeds server lines; returns the steps.
    static func feed(_ registration: inout IRCRegistration, _ lines: String...) -> [IRCRegistration.Step] {
        lines.map { registration.handle(IRCMessage(parsing: $0)!) }
    }

    static func texts(_ step: IRCRegistration.Step) -> [String] {
        if case .send(let lines) = step { return lines.map(\.text) }
        return []
    }

    static func failure(_ step: IRCRegistration.Step) -> AdapterError? {
        if case .failed(let error) = step { return error }
        return nil
    }

    @Test("plain registration: CAP LS 302, PASS, NICK, USER; CAP END after LS; 001 registers")
    func plain() throws {
        var r = IRCRegistration(settings: try Self.settings(secrets: ["password": Secret("pw-1234")]))
        #expect(r.start().map(\.text) == ["CAP LS 302", "PASS pw-1234", "NICK gwbot", "USER gwbot 0 * :gatewayd"])
        #expect(r.start().map(\.logText).contains("PASS <redacted>"))
        let steps = Self.feed(&r, ":srv CAP * LS :multi-prefix", ":srv 001 gwbot :Welcome")
        #expect(Self.texts(steps[0]) == ["CAP END"])
        #expect(steps[1] == .registered(nick: "gwbot"))
    }

    @Test("multi-line CAP LS 302; message-tags and server-time are requested when offered")
    func multilineLS() throws {
        var r = IRCRegistration(settings: try Self.settings())
        let steps = Self.feed(&r, ":srv CAP * LS * :multi-prefix message-tags", ":srv CAP * LS :server-time sasl=PLAIN",
                              ":srv CAP * ACK :message-tags server-time")
        #expect(steps[0] == .none)
        #expect(Self.texts(steps[1]) == ["CAP REQ :message-tags server-time"])
        #expect(Self.texts(steps[2]) == ["CAP END"] && r.enabledCaps == ["message-tags", "server-time"])
    }

    @Test("SASL PLAIN: REQ, AUTHENTICATE PLAIN, base64 credentials (redacted in the log form), 903, CAP END, 001")
    func saslSuccess() throws {
        var r = IRCRegistration(settings: try Self.settings(["sasl_user": .string("acct")], secrets: ["sasl_password": Secret("s3cret-pw")]))
        let steps = Self.feed(&r, ":srv CAP * LS :sasl=PLAIN,EXTERNAL", ":srv CAP * ACK :sasl", "AUTHENTICATE +",
                              ":srv 900 gwbot gwbot!u@h acct :You are now logged in", ":srv 903 gwbot :SASL authentication successful",
                              ":srv 001 gwbot :Welcome")
        #expect(Self.texts(steps[0]) == ["CAP REQ :sasl"])
        #expect(Self.texts(steps[1]) == ["AUTHENTICATE PLAIN"])
        let payload = Data("acct\0acct\0s3cret-pw".utf8).base64EncodedString()
        #expect(Self.texts(steps[2]) == ["AUTHENTICATE \(payload)"])
        if case .send(let lines) = steps[2] { #expect(lines.allSatisfy { !$0.logText.contains(payload) }) }
        #expect(steps[3] == .none && Self.texts(steps[4]) == ["CAP END"] && steps[5] == .registered(nick: "gwbot"))
    }

    @Test("SASL payloads go in 400-byte chunks; a payload filling its last chunk ends with AUTHENTICATE +")
    func saslChunks() {
        let exact = String(repeating: "A", count: 800)
        #expect(IRCRegistration.authenticateLines(exact).map(\.text) == ["AUTHENTICATE " + String(repeating: "A", count: 400),
                                                                         "AUTHENTICATE " + String(repeating: "A", count: 400), "AUTHENTICATE +"])
        #expect(IRCRegistration.authenticateLines(String(repeating: "B", count: 401)).map { $0.text.count } == [413, 14])
        #expect(IRCRegistration.authenticateLines("").map(\.text) == ["AUTHENTICATE +"])
    }

    @Test("SASL failure (904, 902) is auth; SASL missing from LS or NAKed is server")
    func saslFailures() throws {
        let sasl = try Self.settings(secrets: ["sasl_password": Secret("pw-5678")])
        for code in ["904", "902"] {
            var r = IRCRegistration(settings: sasl)
            let steps = Self.feed(&r, ":srv CAP * LS :sasl", ":srv CAP * ACK :sasl", "AUTHENTICATE +", ":srv \(code) gwbot :SASL authentication failed")
            #expect(Self.failure(steps[3])?.errorClass == .auth && Self.failure(steps[3])?.code == code)
        }
        var missing = IRCRegistration(settings: sasl)
        #expect(Self.failure(Self.feed(&missing, ":srv CAP * LS :multi-prefix")[0])?.code == "sasl_unavailable")
        var naked = IRCRegistration(settings: sasl)
        let steps = Self.feed(&naked, ":srv CAP * LS :sasl server-time", ":srv CAP * NAK :sasl server-time", ":srv CAP * NAK :sasl")
        #expect(Self.texts(steps[1]) == ["CAP REQ :sasl"], "retried alone")
        #expect(Self.failure(steps[2])?.errorClass == .server)
        var noCap = IRCRegistration(settings: sasl)
        #expect(Self.failure(Self.feed(&noCap, ":srv 421 gwbot CAP :Unknown command")[0])?.code == "sasl_unavailable")
        var registeredAnyway = IRCRegistration(settings: sasl)
        #expect(Self.failure(Self.feed(&registeredAnyway, ":srv 001 gwbot :Welcome")[0])?.code == "sasl_unavailable")
    }

    @Test("PING is answered at once during registration")
    func pingDuringRegistration() throws {
        var r = IRCRegistration(settings: try Self.settings())
        #expect(Self.texts(Self.feed(&r, "PING :12345")[0]) == ["PONG 12345"])
        #expect(Self.texts(Self.feed(&r, "PING :with space")[0]) == ["PONG :with space"])
    }

    @Test("433/437 walk the alternates (default nick_, nick__), then fail as server; 432 on the first nick is auth")
    func nickFallback() throws {
        var r = IRCRegistration(settings: try Self.settings())
        let steps = Self.feed(&r, ":srv 433 * gwbot :Nickname is already in use", ":srv 437 * gwbot_ :Nick/channel is temporarily unavailable",
                              ":srv 433 * gwbot__ :Nickname is already in use")
        #expect(Self.texts(steps[0]) == ["NICK gwbot_"] && Self.texts(steps[1]) == ["NICK gwbot__"])
        #expect(Self.failure(steps[2])?.errorClass == .server && Self.failure(steps[2])?.code == "nick_in_use")

        var configured = IRCRegistration(settings: try Self.settings(["alt_nicks": .list(["other"])]))
        let alternate = Self.feed(&configured, ":srv 433 * gwbot :in use", ":srv 001 other :Welcome")
        #expect(Self.texts(alternate[0]) == ["NICK other"] && alternate[1] == .registered(nick: "other"))

        var erroneous = IRCRegistration(settings: try Self.settings())
        #expect(Self.failure(Self.feed(&erroneous, ":srv 432 * gwbot :Erroneous nickname")[0])?.errorClass == .auth)
        var laterErroneous = IRCRegistration(settings: try Self.settings())
        let later = Self.feed(&laterErroneous, ":srv 433 * gwbot :in use", ":srv 432 * gwbot_ :Erroneous nickname")
        #expect(Self.texts(later[1]) == ["NICK gwbot__"], "an alternate the server refuses is skipped")
    }

    @Test("bad password (464), ban (465) and ERROR texts fail registration with the table's class")
    func refusals() throws {
        for (line, errorClass) in [(":srv 464 * :Password incorrect", ErrorClass.auth), (":srv 465 * :You are banned", .auth),
                                   ("ERROR :Closing Link: x (Throttled: Reconnecting too fast)", .rateLimited),
                                   ("ERROR :Access denied: Bad password?", .auth)] {
            var r = IRCRegistration(settings: try Self.settings())
            #expect(Self.failure(Self.feed(&r, line)[0])?.errorClass == errorClass, "\(line)")
        }
    }
}
