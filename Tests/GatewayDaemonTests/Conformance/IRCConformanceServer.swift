import Foundation
import Synchronization
import Testing

/// A real ngircd (with a server password) for the conformance suite, channel `#conf`, a user `confuser` in it.
///
/// The daemon reaches ngircd through a ``TCPForwarder`` that counts its connections (``logins()``); the user connects
/// to ngircd directly. `stop()` closes the forwarder and SIGKILLs ngircd; `start()` restarts ngircd, lets the user
/// back into `#conf`, and only then opens the forwarder again — the user is there before the bot can send.
final class IRCConformanceServer: ConformanceServer {
    static let password = "conformance-irc-password"
    static let badPassword = "conformance-irc-wrong"
    static let channel = "#conf"
    static let botNick = "confbot"
    let ngircd: Ngircd
    let forwarder: TCPForwarder
    private let user = Mutex<RawIRCClient?>(nil)
    /// What the bot sent to the channel, as seen by earlier user clients (one per server run).
    private let earlier = Mutex<[String]>([])

    private init(ngircd: Ngircd, forwarder: TCPForwarder) {
        self.ngircd = ngircd
        self.forwarder = forwarder
    }

    static func make() async throws -> IRCConformanceServer {
        guard Ngircd.isInstalled else { throw NgircdError("ngircd is not installed: run scripts/test, which installs it") }
        let ngircd = try await Ngircd(password: password)
        let server = IRCConformanceServer(ngircd: ngircd, forwarder: TCPForwarder(upstreamPort: ngircd.port))
        try await server.joinUser()
        try await server.forwarder.start()
        return server
    }

    func platformYAML(name: String, validCredential: Bool) -> String {
        let password = validCredential ? "CONFORMANCE_IRC_PASSWORD" : "CONFORMANCE_IRC_BAD_PASSWORD"
        return "{ type: irc, server: 127.0.0.1, port: \(forwarder.port), nick: \(Self.botNick), password: ${\(password)}, "
            + #"channels: ["\#(Self.channel)"], line_burst: 50, line_interval: 20ms }"#
    }

    var environment: [String: String] {
        ["CONFORMANCE_IRC_PASSWORD": Self.password, "CONFORMANCE_IRC_BAD_PASSWORD": Self.badPassword]
    }
    var secrets: [String] { [Self.password, Self.badPassword] }
    var chat: String { Self.channel }
    var keepsHistory: Bool { false }

    func logins() async -> Int { forwarder.accepted }

    func stop() async {
        await forwarder.stop()
        if let client = user.withLock({ value -> RawIRCClient? in defer { value = nil }; return value }) {
            earlier.withLock { $0 += Self.botLines(client.received) }
            await client.close()
        }
        ngircd.kill9()
    }

    func start() async throws {
        try await ngircd.start()
        try await joinUser()
        try await forwarder.start()
    }

    /// Waits until the bot is in the channel (as the user has seen: names at its JOIN, the bot's JOINs, PARTs,
    /// QUITs and KICKs), then says each text there.
    func post(_ texts: [String]) async throws {
        let client = try currentUser()
        try await waitUntil("\(Self.botNick) is in \(Self.channel)", timeout: .seconds(30), every: .milliseconds(20)) {
            !Self.botsPresent(client.received).isEmpty
        }
        for text in texts { try await client.send("PRIVMSG \(Self.channel) :\(text)") }
    }

    /// The bot's nicks in the channel after `lines`, as the user saw them.
    static func botsPresent(_ lines: [String]) -> Set<Substring> {
        var present: Set<Substring> = []
        for line in lines {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2 else { continue }
            let source = fields[0].dropFirst().prefix { $0 != "!" }
            switch fields[1] {
            case "353":
                let names = (line.split(separator: ":", maxSplits: 2).dropFirst(1).last ?? "").split(separator: " ")
                for name in names.map({ $0.drop { "~&@%+".contains($0) } }) where isBot(name) { present.insert(name) }
            case "JOIN" where isBot(source): present.insert(source)
            case "PART", "QUIT": present.remove(source)
            case "KICK" where fields.count >= 4: present.remove(fields[3])
            case "NICK" where fields.count >= 3:
                if present.remove(source) != nil, isBot(fields[2].drop { $0 == ":" }) { present.insert(fields[2].drop { $0 == ":" }) }
            default: break
            }
        }
        return present
    }

    func delivered() async throws -> [String] {
        earlier.withLock { $0 } + Self.botLines(user.withLock { $0 }?.received ?? [])
    }

    func shutdown() async {
        await stop()
    }

    private func joinUser() async throws {
        let client = try await RawIRCClient.connect(port: ngircd.port, nick: "confuser", password: Self.password)
        try await client.send("JOIN \(Self.channel)")
        try await client.waitFor("confuser in \(Self.channel)") { $0.hasPrefix(":confuser!") && $0.contains(" JOIN ") }
        user.withLock { $0 = client }
    }

    private func currentUser() throws -> RawIRCClient {
        guard let client = user.withLock({ $0 }) else { throw NgircdError("the IRC server is stopped") }
        return client
    }

    /// The texts of the bot's PRIVMSGs to the channel among `lines`.
    private static func botLines(_ lines: [String]) -> [String] {
        let prefix = " PRIVMSG \(channel) :"
        return lines.compactMap { line in
            guard line.hasPrefix(":"), isBot(line.dropFirst().prefix { $0 != "!" }), let range = line.range(of: prefix) else { return nil }
            return String(line[range.upperBound...])
        }
    }

    /// The bot's nick or one of its alternates (`confbot_`, `confbot__`): a daemon restarted while ngircd still holds
    /// the old connection's nick registers with the next one.
    private static func isBot(_ nick: Substring) -> Bool { nick == botNick || nick == botNick + "_" || nick == botNick + "__" }
}
