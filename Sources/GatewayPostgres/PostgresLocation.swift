/// Where a fleet's PostgreSQL database is: `postgres://user[:password]@host[:port]/database[?sslmode=…]`, the libpq
/// URL form (`postgresql://` too). The password never reaches a description, a log line or an error text.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Equatable {
        /// No TLS (`sslmode=disable`): for loopback and private networks.
        case disable
        /// TLS if the server offers it (`sslmode=prefer`, libpq's default).
        case prefer
        /// TLS or no connection (`sslmode=require`).
        case require
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    public init(host: String, port: Int = 5432, user: String, password: String? = nil, database: String, tls: TLSMode = .prefer) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// True for text that names a PostgreSQL database rather than a SQLite file path.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses a URL; the error names what is wrong with it, never the password.
    public init(url text: String) throws(PostgresLocationError) {
        guard let schemeEnd = text.range(of: "://"), Self.isURL(text) else {
            throw PostgresLocationError("must start with postgres:// or postgresql://")
        }
        var rest = Substring(text[schemeEnd.upperBound...])
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        guard let at = rest.lastIndex(of: "@") else {
            throw PostgresLocationError("has no user (postgres://USER@HOST/DATABASE)")
        }
        let credentials = rest[..<at]
        let address = rest[rest.index(after: at)...]
        let userPart: Substring, passwordPart: Substring?
        if let colon = credentials.firstIndex(of: ":") {
            userPart = credentials[..<colon]
            passwordPart = credentials[credentials.index(after: colon)...]
        } else {
            userPart = credentials
            passwordPart = nil
        }
        guard let user = Self.percentDecoded(userPart), !user.isEmpty else {
            throw PostgresLocationError("has no user (postgres://USER@HOST/DATABASE)")
        }
        var password: String?
        if let passwordPart {
            guard let decoded = Self.percentDecoded(passwordPart) else {
                throw PostgresLocationError("has a badly percent-encoded password")
            }
            password = decoded
        }
        guard let slash = address.firstIndex(of: "/") else {
            throw PostgresLocationError("has no database name (postgres://USER@HOST/DATABASE)")
        }
        guard let database = Self.percentDecoded(address[address.index(after: slash)...]), !database.isEmpty else {
            throw PostgresLocationError("has no database name (postgres://USER@HOST/DATABASE)")
        }
        let hostPort = address[..<slash]
        var host = hostPort, port = 5432
        if hostPort.hasPrefix("[") {  // [::1]:5432
            guard let close = hostPort.firstIndex(of: "]") else { throw PostgresLocationError("has an unclosed [ in its host") }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let parsed = Int(after.dropFirst()), (1...65_535).contains(parsed) else {
                    throw PostgresLocationError("has a port that is not a number from 1 to 65535")
                }
                port = parsed
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = hostPort[..<colon]
            guard let parsed = Int(hostPort[hostPort.index(after: colon)...]), (1...65_535).contains(parsed) else {
                throw PostgresLocationError("has a port that is not a number from 1 to 65535")
            }
            port = parsed
        }
        guard !host.isEmpty else { throw PostgresLocationError("has no host (postgres://USER@HOST/DATABASE)") }
        var tls = TLSMode.prefer
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw PostgresLocationError("has a query parameter without a value: '\(pair)'") }
            switch parts[0] {
            case "sslmode":
                switch parts[1] {
                case "disable": tls = .disable
                case "allow", "prefer": tls = .prefer
                case "require", "verify-ca", "verify-full": tls = .require
                default: throw PostgresLocationError("has sslmode=\(parts[1]); use disable, prefer or require")
                }
            default:
                throw PostgresLocationError("has the unknown parameter '\(parts[0])' (only sslmode is understood)")
            }
        }
        self.init(host: String(host), port: port, user: user, password: password, database: database, tls: tls)
    }

    /// `postgres://user@host:port/database`: never the password.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(shownHost):\(port)/\(database)"
    }

    /// host:port, for errors about reaching the server.
    public var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                let first = utf8.index(after: index)
                guard first < utf8.endIndex else { return nil }
                let second = utf8.index(after: first)
                guard second < utf8.endIndex, let high = hex(utf8[first]), let low = hex(utf8[second]) else { return nil }
                bytes.append(high << 4 | low)
                index = utf8.index(after: second)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// A PostgreSQL URL that cannot be used; the text says why (it never holds the password).
public struct PostgresLocationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let problem: String
    init(_ problem: String) { self.problem = problem }
    public var description: String { "the PostgreSQL URL \(problem)" }
}
