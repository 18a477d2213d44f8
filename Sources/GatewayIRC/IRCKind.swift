import GatewayCore

/// What IRC accepts as a `PRIVMSG` target: a channel (`#name`) or a nick — not empty, and no space, comma, colon or
/// control character (RFC 2812 §2.3.1: they separate parameters and targets).
enum IRCTarget {
    static let rule = "an IRC target is a channel (#name) or a nick, without spaces, commas, colons or control characters"

    /// Why `target` can never be a `PRIVMSG` target, or nil.
    static func problem(_ target: String) -> String? {
        let bad = target.isEmpty || target.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7F || $0 == "," || $0 == ":" }
        return bad ? "'\(String(target.prefix(60)))' is not an IRC channel or nick: \(rule)" : nil
    }
}

/// The IRC platform (`type: irc`).
public enum IRCPlatform {
    public static let kind = PlatformKind(
        type: .irc,
        keys: [
            "server": .required(.string),
            "port": .optional(.int),
            "tls": .optional(.bool),
            "nick": .required(.string),
            "alt_nicks": .optional(.stringList),
            "username": .optional(.string),
            "realname": .optional(.string),
            "password": .optional(.secret),
            "sasl_user": .optional(.string),
            "sasl_password": .optional(.secret),
            "channels": .optional(.stringList),
            "tls_ca_file": .optional(.string),
            "ping_interval": .optional(.duration),
            "ping_timeout": .optional(.duration),
            "register_timeout": .optional(.duration),
            "line_burst": .optional(.int),
            "line_interval": .optional(.duration),
        ],
        targetProblem: IRCTarget.problem,
        checkSettings: { platform throws(AdapterError) in _ = try IRCSettings(platform) },
        maker: { AdapterMaker { platform, context in try IRCAdapter(platform: platform, context: context) } },
        endpoint: { platform in (try? IRCSettings(platform)).map { Endpoint(host: $0.server, port: $0.port, tls: $0.tls) } },
        // Servers throttle connections per address ("Throttled: Reconnecting too fast"; charybdis: 4 per 60 s by
        // default, ngircd by connections per IP): 4 connects per 10 s per server, and a throttled connect is
        // rateLimited with a 60 s floor anyway.
        loginBudget: LoginBudget(logins: 4, windowMillis: 10_000))
}

extension PlatformType {
    /// `type: irc`.
    public static let irc = PlatformType("irc")
}
