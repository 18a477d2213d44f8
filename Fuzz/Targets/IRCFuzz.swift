import GatewayStore
import NIOCore

import GatewayCore
import GatewayDaemon
import GatewayRuntime
import GatewayDiscord
import GatewayIRC
import GatewayTelegram

/// The IRC adapter's receive path on bytes from a server: `IRCLineFramer` (fed in uneven chunks, as reads arrive,
/// with the default limit and with a small one so overlong lines are exercised), `IRCMessage(parsing:)` on each
/// line, then `IRCRegistration.handle` (with SASL configured) and `IRCSession.handle` (PRIVMSG → InboundMessage, CTCP
/// ACTION, `server-time`, PING, JOIN/PART/KICK/NICK, join refusals).
enum IRCFuzz {
    static let settings: IRCSettings = {
        let platform = PlatformConfig(
            name: "irc", type: .irc,
            options: ["server": .string("127.0.0.1"), "nick": .string("gw"), "channels": .list(["#chan", "#Other[]"]),
                      "sasl_user": .string("gw")],
            secrets: ["sasl_password": Secret("fuzz-sasl-password")])
        do { return try IRCSettings(platform) } catch { fatalError("fuzz harness: \(error)") }
    }()

    static func run(_ bytes: [UInt8]) {
        var registration = IRCRegistration(settings: settings)
        var session = IRCSession(platform: "irc", nick: "gw", channels: settings.channels, connectionID: 1)
        _ = registration.start()
        for maxBytes in [IRCLineFramer.defaultMaxBytes, 64] {
            for output in frame(bytes, maxBytes: maxBytes) {
                guard case .line(let line) = output else { continue }
                guard let message = IRCMessage(parsing: line) else { continue }
                invariant(!message.command.isEmpty, "a message without a command")
                _ = message.nick
                _ = message.isNumeric
                _ = registration.handle(message)
                for action in session.handle(message) {
                    if case .send(let reply) = action {
                        invariant(!reply.text.unicodeScalars.contains { $0 == "\r" || $0 == "\n" || $0 == "\0" },
                                  "a reply line with CR, LF or NUL: \(reply.text.debugDescription)")
                    }
                }
            }
        }
    }

    /// The framer's outputs for `bytes` arriving in chunks of 1…97 bytes (the sizes derived from the input), then EOF.
    static func frame(_ bytes: [UInt8], maxBytes: Int) -> [IRCLineFramer.Output] {
        var framer = IRCLineFramer(maxBytes: maxBytes)
        var buffer = ByteBuffer()
        var outputs: [IRCLineFramer.Output] = []
        var offset = 0
        var chunk = 1 + bytes.count % 97
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunk)
            buffer.writeBytes(bytes[offset..<end])
            offset = end
            chunk = 1 + (chunk * 31 + 7) % 97
            while let output = framer.next(from: &buffer) { outputs.append(check(output, maxBytes: framer.maxBytes)) }
        }
        while let output = framer.last(from: &buffer) { outputs.append(check(output, maxBytes: framer.maxBytes)) }
        invariant(buffer.readableBytes == 0, "bytes left in the buffer at EOF")
        return outputs
    }

    /// The framer's documented contract: lines are non-empty, hold no LF, do not end in CR; overlong is not under the limit.
    private static func check(_ output: IRCLineFramer.Output, maxBytes: Int) -> IRCLineFramer.Output {
        switch output {
        case .line(let line):
            invariant(!line.isEmpty, "an empty line")
            invariant(!line.unicodeScalars.contains("\n"), "a line with LF")
            invariant(line.unicodeScalars.last != "\r", "a line ending in CR")
        case .overlong(let bytes):
            // At least the limit: a line cut off by EOF is reported without the terminator it never got.
            invariant(bytes >= maxBytes, "overlong(\(bytes)) below the limit \(maxBytes)")
        }
        return output
    }
}
