/// Where a platform's adapter connects: host, port, and whether the connection starts with a TLS handshake.
///
/// Platforms that share an endpoint share its reachability probe and its login budget. An adapter's kind declares
/// it (``PlatformKind/endpoint``) from the entry's settings: Telegram's `api_base`, Discord's `api_base`, IRC's
/// `server`/`port`/`tls`.
public struct Endpoint: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var tls: Bool

    public init(host: String, port: Int, tls: Bool) {
        self.host = host
        self.port = port
        self.tls = tls
    }

    /// `tls://api.telegram.org:443`, `tcp://127.0.0.1:6667`: the form stored in `platforms.endpoint` and shown by
    /// `status`.
    public var description: String { "\(tls ? "tls" : "tcp")://\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    public static func < (lhs: Endpoint, rhs: Endpoint) -> Bool { lhs.description < rhs.description }

    /// The endpoint of an `http(s)://` or `ws(s)://` URL (`https://api.telegram.org`, `http://127.0.0.1:8081/x`,
    /// `wss://gateway.discord.gg/?v=10`): the scheme's port when it names none. Nil when `url` is not one.
    public init?(url: String) {
        let lower = url.lowercased()
        let schemes: [(prefix: String, tls: Bool)] = [("https://", true), ("wss://", true), ("http://", false), ("ws://", false)]
        guard let scheme = schemes.first(where: { lower.hasPrefix($0.prefix) }) else { return nil }
        let tls = scheme.tls
        let rest = url.dropFirst(scheme.prefix.count)
        var authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var host: Substring
        var port: Int?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { port = Int(after.dropFirst()) ; if port == nil { return nil } }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            guard let parsed = Int(authority[authority.index(after: colon)...]) else { return nil }
            port = parsed
        } else {
            host = authority
        }
        guard !host.isEmpty else { return nil }
        self.init(host: String(host), port: port ?? (tls ? 443 : 80), tls: tls)
    }
}
