import GatewayNetworking
import GatewayCore
/// An IRC platform's configuration, read and checked once per attempt from its `PlatformConfig`.
///
/// Keys (`IRCPlatform.kind.keys`): `server`, `port` (6667, or 6697 with `tls`), `tls`, `nick`, `alt_nicks`
/// (default `nick_`, `nick__`), `username` (default the nick), `realname` (default "gatewayd"), `password` (secret),
/// `sasl_user` (default the nick), `sasl_password` (secret), `channels`, `tls_ca_file` (PEM CAs to trust instead of
/// the system's), `ping_interval` (idle time before our PING,
/// default 2m), `ping_timeout` (default 1m), `register_timeout` (no 001 by then → network; default ¾ of the connect
/// timeout, at most 20s), `line_burst` and `line_interval` (flood control: a burst of lines, then one per interval;
/// default 5 and 2s).
package struct IRCSettings: Sendable {
    var server: String
    var port: Int
    var tls: Bool
    /// PEM file of the certificate authorities to trust instead of the system's (a private or test server).
    var tlsCAFile: String?
    var nick: String
    var altNicks: [String]
    var username: String
    var realname: String
    var password: Secret?
    var sasl: (user: String, password: Secret)?
    package var channels: [String]
    var pingIntervalMillis: Int64
    var pingTimeoutMillis: Int64
    var registerTimeoutMillis: Int64
    /// Flood control for outgoing lines (``IRCPacer``).
    var lineBurst: Int
    var lineIntervalMillis: Int64

    /// Reads `platform`; throws `auth`/`config` (a human must fix the file) when a value cannot work.
    package init(_ platform: PlatformConfig) throws(AdapterError) {
        let options = platform.options
        func fail(_ text: String) -> AdapterError { AdapterError(.auth, code: "config", message: "irc platform '\(platform.name)': \(text)") }

        guard let server = options["server"]?.stringValue, !server.isEmpty, !server.contains(" ") else {
            throw fail("server must be a host name or address")
        }
        self.server = server
        tls = options["tls"]?.boolValue ?? false
        tlsCAFile = options["tls_ca_file"]?.stringValue
        port = options["port"]?.intValue ?? (tls ? 6697 : 6667)
        guard (1...65_535).contains(port) else { throw fail("port must be between 1 and 65535") }

        guard let nick = options["nick"]?.stringValue, Self.isValidNick(nick) else {
            throw fail("nick must be 1–30 characters without spaces or any of ,*?!@:# and not start with a digit or '-'")
        }
        self.nick = nick
        let alternates = options["alt_nicks"]?.listValue ?? [nick + "_", nick + "__"]
        guard alternates.allSatisfy(Self.isValidNick) else { throw fail("alt_nicks holds a nick that is not valid") }
        altNicks = alternates

        let username = options["username"]?.stringValue ?? nick
        guard !username.isEmpty, !username.contains(where: { $0 == " " || $0 == "@" }) else {
            throw fail("username must not be empty or contain spaces or '@'")
        }
        self.username = username
        realname = options["realname"]?.stringValue ?? "gatewayd"
        password = platform.secrets["password"]

        let saslUser = options["sasl_user"]?.stringValue
        switch (saslUser, platform.secrets["sasl_password"]) {
        case (_, let secret?): sasl = (saslUser ?? nick, secret)
        case (.some, nil): throw fail("sasl_user is set but sasl_password is not")
        case (nil, nil): sasl = nil
        }

        let channels = options["channels"]?.listValue ?? []
        guard channels.allSatisfy(Self.isValidChannel) else {
            throw fail("channels must start with #, &, + or ! and hold no spaces, commas or control characters")
        }
        self.channels = channels

        pingIntervalMillis = options["ping_interval"]?.durationMillis ?? 120_000
        pingTimeoutMillis = options["ping_timeout"]?.durationMillis ?? 60_000
        guard pingIntervalMillis >= 1_000, pingTimeoutMillis >= 1_000 else {
            throw fail("ping_interval and ping_timeout must be at least 1s")
        }
        let connectTimeout = platform.policy.connectTimeoutMillis
        registerTimeoutMillis = options["register_timeout"]?.durationMillis ?? max(1_000, min(20_000, connectTimeout * 3 / 4))
        guard registerTimeoutMillis >= 1_000 else { throw fail("register_timeout must be at least 1s") }
        // A server's flood limit is its own (ngircd, a private ircd, a bouncer): the defaults suit public networks.
        lineBurst = options["line_burst"]?.intValue ?? 5
        guard (1...1_000).contains(lineBurst) else { throw fail("line_burst must be between 1 and 1000") }
        lineIntervalMillis = options["line_interval"]?.durationMillis ?? 2_000
        guard (0...60_000).contains(lineIntervalMillis) else { throw fail("line_interval must be between 0s and 60s") }
    }

    /// Every nick to try during registration, in order.
    var nicks: [String] { [nick] + altNicks }

    /// RFC 2812 §2.3.1, loosely (servers differ): no separators or wildcard characters, no leading digit or '-'.
    static func isValidNick(_ nick: String) -> Bool {
        guard let first = nick.first, nick.count <= 30, !first.isNumber, first != "-" else { return false }
        return !nick.unicodeScalars.contains { $0.value < 0x21 || ",*?!@:#&$".unicodeScalars.contains($0) || $0.value == 0x7F }
    }

    /// A channel name: a type prefix, then no space, comma, BEL or other control character.
    static func isValidChannel(_ channel: String) -> Bool {
        guard let first = channel.first, "#&+!".contains(first), channel.count >= 2, channel.utf8.count <= 200 else { return false }
        return !channel.unicodeScalars.contains { $0.value < 0x21 || $0 == "," || $0.value == 0x7F }
    }
}
