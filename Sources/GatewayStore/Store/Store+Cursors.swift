import GatewayCore
// Inbound positions (Telegram update offset, Discord session id / seq / resume URL), persisted per platform.

extension Store {
    /// The stored value of `key` for `platform`, or nil.
    public func cursor(platform: String, key: String) throws -> String? {
        try connection.first(
            "SELECT value FROM platform_cursors WHERE platform = ? AND key = ?", [.text(platform), .text(key)]
        ) { $0.string(0) }
    }

    /// Stores several cursor values for `platform` in one transaction (e.g. Discord's session id, seq and URL).
    public func setCursors(platform: String, _ values: [String: String]) throws {
        let now = now()
        try connection.transaction {
            try writeCursorsInTransaction(platform: platform, values, now: now)
        }
    }

    func writeCursorsInTransaction(platform: String, _ values: [String: String], now: Int64) throws {
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            try connection.execute(
                """
                INSERT INTO platform_cursors (platform, key, value, updated_at) VALUES (?1, ?2, ?3, ?4)
                ON CONFLICT (platform, key) DO UPDATE SET value = ?3, updated_at = ?4
                """,
                [.text(platform), .text(key), .text(value), .integer(now)])
        }
    }

    /// Stores one cursor value.
    public func setCursor(platform: String, key: String, value: String) throws {
        try setCursors(platform: platform, [key: value])
    }

    /// Forgets a cursor (e.g. an invalidated Discord session).
    public func removeCursor(platform: String, key: String) throws {
        try connection.transaction {
            try connection.execute("DELETE FROM platform_cursors WHERE platform = ? AND key = ?", [.text(platform), .text(key)])
        }
    }
}

/// The adapters' narrow view of the store: their own cursors.
extension Store: CursorStore {}
