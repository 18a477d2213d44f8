import GatewayCore
import GatewayStore
import PostgresNIO

// Inbound positions (Telegram update offset, Discord session id / seq / resume URL), persisted per platform: the
// SQLite store's methods (Store+Cursors.swift). A received batch writes its cursors with `receive`, fenced by the
// owner's lease; these are the adapters' own reads and writes.

extension PostgresStore {
    /// The stored value of `key` for `platform`, or nil.
    public func cursor(platform: String, key: String) async throws -> String? {
        try await rows(
            "reading cursor '\(key)' of '\(platform)'",
            "SELECT value FROM platform_cursors WHERE platform = \(platform) AND key = \(key)"
        ).first?.decode(String.self)
    }

    /// Stores several cursor values for `platform` in one transaction (e.g. Discord's session id, seq and URL).
    public func setCursors(platform: String, _ values: [String: String]) async throws {
        guard !values.isEmpty else { return }
        let now = now()
        try await transaction("writing \(values.count) cursor(s) of '\(platform)'") { [self] connection in
            try await Self.writeCursors(platform: platform, values, now: now, on: connection, logger: logger)
        }
    }

    /// Forgets a cursor (e.g. an invalidated Discord session).
    public func removeCursor(platform: String, key: String) async throws {
        _ = try await rows(
            "removing cursor '\(key)' of '\(platform)'",
            "DELETE FROM platform_cursors WHERE platform = \(platform) AND key = \(key)")
    }

    /// Upserts `values`, in key order (two writers of one platform's cursors lock its rows in the same order).
    static func writeCursors(
        platform: String, _ values: [String: String], now: Int64, on connection: PostgresConnection, logger: Logger
    ) async throws {
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            try await connection.query(
                """
                INSERT INTO platform_cursors (platform, key, value, updated_at) VALUES (\(platform), \(key), \(value), \(now))
                ON CONFLICT (platform, key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at
                """,
                logger: logger)
        }
    }
}

/// The adapters' narrow view of the store: their own cursors.
extension PostgresStore: CursorStore {}
