import GatewayNetworking
import GatewayCore
import Foundation

/// Connection registration as a pure state machine: lines in, lines to send and an outcome out.
///
/// `CAP LS 302`, optional `PASS`, `NICK`, `USER u 0 * :real`; then, from the server's capability list, `CAP REQ` for
/// `sasl` (when configured), `message-tags` and `server-time` (when offered); SASL PLAIN (`AUTHENTICATE PLAIN`, the
/// base64 credentials in 400-byte chunks, 903 success / 902, 904–906 failure); `CAP END`; success is `001`.
/// PINGs are answered at once; 433/437 move on to the next alternate nick. See
/// <https://modern.ircdocs.horse/#connection-registration> and <https://ircv3.net/specs/extensions/sasl-3.1>.
package struct IRCRegistration: Sendable {
    package enum Step: Sendable, Equatable {
        /// Nothing to do.
        case none
        /// Write these lines now (unpaced: registration and PONGs are not flood-limited here).
        case send([IRCLine])
        /// `001`: registered under `nick`.
        case registered(nick: String)
        /// Registration failed; the connection must close.
        case failed(AdapterError)
    }

    private enum Phase: Sendable, Equatable {
        case listing, requested(Set<String>), authenticating, ended
    }

    private let nicks: [String]
    private let username: String
    private let realname: String
    private let password: Secret?
    private let sasl: (user: String, password: Secret)?
    private var phase = Phase.listing
    private var offered: [String] = []
    private var saslDone = false
    /// Which of ``nicks`` we asked for last.
    private(set) var nickIndex = 0
    /// The capabilities the server acknowledged.
    private(set) var enabledCaps: Set<String> = []

    package init(settings: IRCSettings) {
        nicks = settings.nicks
        username = settings.username
        realname = settings.realname
        password = settings.password
        sasl = settings.sasl
    }

    /// The nick we asked for last.
    var currentNick: String { nicks[min(nickIndex, nicks.count - 1)] }

    /// The opening lines.
    package func start() -> [IRCLine] {
        var lines = [IRCLine.make("CAP", ["LS", "302"])]
        if let password { lines.append(.make("PASS", [password.revealed])) }
        lines.append(.make("NICK", [nicks[0]]))
        lines.append(.make("USER", [username, "0", "*", realname], trailing: true))
        return lines
    }

    package mutating func handle(_ message: IRCMessage) -> Step {
        switch message.command {
        case "PING":
            return .send([.make("PONG", [message.trailing ?? ""])])
        case "CAP":
            return handleCap(message)
        case "AUTHENTICATE":
            return handleAuthenticate(message)
        case "903", "907":
            saslDone = true
            phase = .ended
            return .send([.make("CAP", ["END"])])
        case "902", "904", "905", "906":
            return .failed(IRCFailures.classify(.numeric(message.command), message: "SASL authentication failed: \(describe(message))"))
        case "421" where message.param(1)?.uppercased() == "CAP":
            // An old server without capability negotiation: it registers us after NICK/USER.
            if sasl != nil { return unavailable("the server does not support CAP, so no SASL") }
            phase = .ended
            return .none
        case "433", "437":
            return nextNick(after: message)
        case "432":
            if nickIndex == 0 {
                return .failed(IRCFailures.classify(.numeric("432"), message: "the server refused the nick: \(describe(message))"))
            }
            return nextNick(after: message)
        case "464", "465":
            return .failed(IRCFailures.classify(.numeric(message.command), message: "registration refused: \(describe(message))"))
        case "ERROR":
            let text = message.trailing ?? ""
            return .failed(IRCFailures.classify(.error(text), message: "the server closed the link: \(text)"))
        case "001":
            if sasl != nil && !saslDone { return unavailable("the server registered us without SASL") }
            return .registered(nick: message.param(0) ?? currentNick)
        default:
            return .none
        }
    }

    // MARK: - Capabilities and SASL

    private mutating func handleCap(_ message: IRCMessage) -> Step {
        let subcommand = message.param(1)?.uppercased() ?? ""
        let list = (message.trailing ?? "").split(separator: " ").map(String.init)
        switch (subcommand, phase) {
        case ("LS", .listing):
            offered += list.map { String($0.prefix { $0 != "=" }) }
            if message.param(2) == "*" && message.params.count >= 4 { return .none }  // more LS lines follow (302)
            var wanted = ["message-tags", "server-time"].filter(offered.contains)
            if sasl != nil {
                guard offered.contains("sasl") else { return unavailable("the server does not offer SASL") }
                wanted.insert("sasl", at: 0)
            }
            return request(Set(wanted))
        case ("ACK", .requested):
            enabledCaps.formUnion(list.map { $0.hasPrefix("-") ? String($0.dropFirst()) : $0 })
            if sasl != nil && enabledCaps.contains("sasl") {
                phase = .authenticating
                return .send([.make("AUTHENTICATE", ["PLAIN"])])
            }
            return end()
        case ("NAK", .requested(let asked)):
            if sasl == nil { return end() }
            if asked.count > 1 { return request(["sasl"]) }
            return unavailable("the server refused the sasl capability")
        default:
            return .none
        }
    }

    private mutating func request(_ caps: Set<String>) -> Step {
        guard !caps.isEmpty else { return end() }
        phase = .requested(caps)
        return .send([.make("CAP", ["REQ", caps.sorted().joined(separator: " ")], trailing: true)])
    }

    private mutating func end() -> Step {
        phase = .ended
        return .send([.make("CAP", ["END"])])
    }

    private mutating func handleAuthenticate(_ message: IRCMessage) -> Step {
        guard phase == .authenticating, let sasl else { return .none }
        guard message.param(0) == "+" else {
            return .failed(IRCFailures.classify(.saslUnavailable, message: "SASL: unexpected challenge from the server"))
        }
        let payload = Data("\(sasl.user)\0\(sasl.user)\0\(sasl.password.revealed)".utf8).base64EncodedString()
        return .send(Self.authenticateLines(payload))
    }

    /// `AUTHENTICATE <chunk>` lines of at most 400 bytes; `AUTHENTICATE +` ends a payload that filled its last chunk.
    static func authenticateLines(_ payload: String) -> [IRCLine] {
        var lines: [IRCLine] = []
        var rest = Substring(payload)
        while !rest.isEmpty {
            lines.append(.make("AUTHENTICATE", [String(rest.prefix(400))]))
            rest = rest.dropFirst(400)
        }
        if payload.isEmpty || payload.count % 400 == 0 { lines.append(.make("AUTHENTICATE", ["+"])) }
        return lines
    }

    private func unavailable(_ why: String) -> Step {
        .failed(IRCFailures.classify(.saslUnavailable, message: "SASL is configured but \(why)"))
    }

    // MARK: - Nicks

    private mutating func nextNick(after message: IRCMessage) -> Step {
        nickIndex += 1
        guard nickIndex < nicks.count else {
            return .failed(IRCFailures.classify(.nicksExhausted, message: "every configured nick is in use or refused (\(nicks.joined(separator: ", ")))"))
        }
        return .send([.make("NICK", [nicks[nickIndex]])])
    }

    private func describe(_ message: IRCMessage) -> String {
        "\(message.command) \(message.trailing ?? "")"
    }
}
