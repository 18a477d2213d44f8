import GatewayNetworking
import GatewayCore

/// A registered connection as a pure state machine: what to do with each line after `001`.
///
/// Answers PINGs, reports PONGs, turns PRIVMSGs to our channels or our nick into ``InboundMessage``s, follows our
/// nick and our channel memberships (JOIN, PART, KICK, join refusals), and turns `ERROR` and 465 into classified
/// failures.
package struct IRCSession: Sendable {
    package enum Action: Sendable, Equatable {
        /// Write this line now, unpaced (PONG).
        case send(IRCLine)
        /// The server answered one of our PINGs with this token.
        case pong(String)
        /// Hand this message on.
        case deliver(InboundMessage)
        /// The connection is over.
        case fail(AdapterError)
        /// The server refused to let us into a channel (numeric and text, for the log).
        case joinRefused(channel: String, reason: String)
    }

    let platform: String
    /// Distinguishes synthesized ids of this connection from any other's (the connect time, Unix ms).
    let connectionID: Int64
    private(set) var nick: String
    /// Our `nick!user@host` as the server relays it, once seen (our JOIN echo): sizes outgoing pieces exactly.
    private(set) var ownPrefix: String?
    /// Channels we asked to join or were put into, minus those refused or left; in join order.
    private(set) var channels: [String]
    private var sequence: UInt64 = 0

    package init(platform: String, nick: String, channels: [String], connectionID: Int64) {
        self.platform = platform
        self.nick = nick
        self.channels = channels
        self.connectionID = connectionID
    }

    /// Numerics that refuse a JOIN (no such channel, too many channels, full, invite-only, banned, bad key, …).
    static let joinRefusals: Set<String> = ["403", "405", "471", "473", "474", "475", "476", "477", "479", "489"]

    package mutating func handle(_ message: IRCMessage) -> [Action] {
        switch message.command {
        case "PING":
            return [.send(.make("PONG", [message.trailing ?? ""]))]
        case "PONG":
            // `:server PONG server :token`: the token is the last parameter.
            return message.trailing.map { [.pong($0)] } ?? []
        case "ERROR":
            let text = message.trailing ?? ""
            return [.fail(IRCFailures.classify(.error(text), message: "the server closed the link: \(text)"))]
        case "465":
            return [.fail(IRCFailures.classify(.numeric("465"), message: "banned from the server: \(message.trailing ?? "")"))]
        case "PRIVMSG":
            return inbound(message).map { [.deliver($0)] } ?? []
        case "NICK":
            if isUs(message.nick), let new = message.param(0) {
                nick = new
                ownPrefix = nil
            }
        case "JOIN":
            guard isUs(message.nick), let channel = message.param(0) else { return [] }
            ownPrefix = message.prefix
            if index(of: channel) == nil { channels.append(channel) }
        case "PART":
            if isUs(message.nick), let channel = message.param(0) { remove(channel) }
        case "KICK":
            if isUs(message.param(1)), let channel = message.param(0) { remove(channel) }
        case let code where Self.joinRefusals.contains(code):
            guard let channel = message.param(1), index(of: channel) != nil else { return [] }
            remove(channel)
            return [.joinRefused(channel: channel, reason: "\(code) \(message.trailing ?? "")")]
        default:
            break
        }
        return []
    }

    /// A PRIVMSG to one of our channels or to us, as an inbound message; nil for anything else (other targets,
    /// CTCP requests other than ACTION, server-sent messages without a nick).
    private mutating func inbound(_ message: IRCMessage) -> InboundMessage? {
        guard let target = message.param(0), message.params.count >= 2, let sender = message.nick, !sender.isEmpty,
              var text = message.trailing
        else { return nil }
        let chat: String
        let kind: ChatKind
        if Self.fold(target) == Self.fold(nick) {
            (chat, kind) = (sender, .private)
        } else if let index = index(of: target) {
            (chat, kind) = (channels[index], .channel)
        } else {
            return nil
        }
        if text.hasPrefix("\u{1}") {
            let body = text.dropFirst().prefix { $0 != "\u{1}" }
            guard body.hasPrefix("ACTION ") else { return nil }
            text = "/me " + body.dropFirst("ACTION ".count)
        }
        sequence += 1
        let time = message.tags["time"]
        return InboundMessage(
            platform: platform, id: id(for: message, text: text), chat: chat, sender: sender, text: text,
            sentAt: time.flatMap(IRCServerTime.millis), replyTo: Self.replyTo(message), chatKind: kind)
    }

    /// The IRCv3 reply client tag (<https://ircv3.net/specs/client-tags/reply>): the `msgid` answered, when the
    /// server passes client tags on (it needs `message-tags`, which the registration requests when offered).
    static func replyTo(_ message: IRCMessage) -> String? {
        guard let id = message.tags["+draft/reply"] ?? message.tags["+reply"], !id.isEmpty else { return nil }
        return id
    }

    /// The IRCv3 `msgid` when the server sends one; else, with `server-time`, a hash of time, source, target and
    /// text (stable across a bouncer's replay); else a connection-local counter (unique, deduplicates nothing).
    private func id(for message: IRCMessage, text: String) -> String {
        if let msgid = message.tags["msgid"], !msgid.isEmpty { return msgid }
        if let time = message.tags["time"] {
            let key = [time, message.prefix ?? "", message.param(0) ?? "", text].map { "\($0.utf8.count):\($0)" }.joined()
            return "irc-t-" + Hashing.sha256Hex(Array(key.utf8)).prefix(24)
        }
        return "irc-\(connectionID)-\(sequence)"
    }

    private func isUs(_ name: String?) -> Bool { name.map { Self.fold($0) == Self.fold(nick) } ?? false }

    private func index(of channel: String) -> Int? {
        let folded = Self.fold(channel)
        return channels.firstIndex { Self.fold($0) == folded }
    }

    private mutating func remove(_ channel: String) {
        if let index = index(of: channel) { channels.remove(at: index) }
    }

    /// RFC 1459 case folding: ASCII letters, and `[]\~` as the upper case of `{}|^`.
    static func fold(_ name: String) -> String {
        String(String.UnicodeScalarView(name.unicodeScalars.map { scalar -> Unicode.Scalar in
            switch scalar {
            case "A"..."Z": return Unicode.Scalar(scalar.value + 32) ?? scalar
            case "[": return "{"
            case "]": return "}"
            case "\\": return "|"
            case "~": return "^"
            default: return scalar
            }
        }))
    }
}
