import GatewayCore
import GatewayStore
import PostgresNIO

// The channel directory: known chats/channels per platform, replaced after every (re)connect — the SQLite store's
// methods (Store+Channels.swift).

extension PostgresStore {
    /// Replaces `platform`'s directory with `channels` in one transaction; returns the build time.
    @discardableResult
    public func replaceChannels(platform: String, _ channels: [ChannelEntry]) async throws -> Int64 {
        let now = now()
        try await transaction("replacing the channel directory of '\(platform)'") { [self] connection in
            try await connection.query("DELETE FROM channel_directory WHERE platform = \(platform)", logger: logger)
            for channel in channels {
                // A channel listed twice: the last name and kind win, as on SQLite.
                try await connection.query(
                    """
                    INSERT INTO channel_directory (platform, channel_id, name, kind, built_at)
                    VALUES (\(platform), \(channel.id), \(channel.name), \(channel.kind), \(now))
                    ON CONFLICT (platform, channel_id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind
                    """,
                    logger: logger)
            }
        }
        return now
    }

    /// Adds or updates `channels` in `platform`'s directory, keeping the others; returns the build time.
    @discardableResult
    public func upsertChannels(platform: String, _ channels: [ChannelEntry]) async throws -> Int64 {
        let now = now()
        try await transaction("updating the channel directory of '\(platform)'") { [self] connection in
            for channel in channels {
                try await connection.query(
                    """
                    INSERT INTO channel_directory (platform, channel_id, name, kind, built_at)
                    VALUES (\(platform), \(channel.id), \(channel.name), \(channel.kind), \(now))
                    ON CONFLICT (platform, channel_id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind,
                        built_at = EXCLUDED.built_at
                    """,
                    logger: logger)
            }
        }
        return now
    }

    /// The directory of one platform, or of all, by platform and name (byte order, as SQLite sorts text).
    public func channels(platform: String? = nil) async throws -> [ChannelDirectoryEntry] {
        let query: PostgresQuery
        if let platform {
            query = """
                SELECT platform, channel_id, name, kind, built_at FROM channel_directory
                WHERE platform = \(platform) ORDER BY name COLLATE "C", channel_id COLLATE "C"
                """
        } else {
            query = """
                SELECT platform, channel_id, name, kind, built_at FROM channel_directory
                ORDER BY platform COLLATE "C", name COLLATE "C", channel_id COLLATE "C"
                """
        }
        return try await rows("reading the channel directory", query).map { row in
            let (platform, id, name, kind, builtAt) = try row.decode((String, String, String, String, Int64).self)
            return ChannelDirectoryEntry(platform: platform, channel: ChannelEntry(id: id, name: name, kind: kind), builtAt: builtAt)
        }
    }
}
