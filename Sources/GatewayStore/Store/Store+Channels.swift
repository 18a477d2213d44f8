import GatewayCore
// The channel directory: known chats/channels per platform, replaced after every (re)connect.

/// A platform's directory as stored.
public struct ChannelDirectoryEntry: Sendable, Equatable {
    public var platform: String
    public var channel: ChannelEntry
    public var builtAt: Int64

    /// Every field, as a store read it (public: the PostgreSQL store builds it too).
    public init(platform: String, channel: ChannelEntry, builtAt: Int64) {
        self.platform = platform
        self.channel = channel
        self.builtAt = builtAt
    }
}

extension Store {
    /// Replaces `platform`'s directory with `channels` in one transaction; returns the build time.
    @discardableResult
    public func replaceChannels(platform: String, _ channels: [ChannelEntry]) throws -> Int64 {
        let now = now()
        try connection.transaction {
            try connection.execute("DELETE FROM channel_directory WHERE platform = ?", [.text(platform)])
            for channel in channels {
                try connection.execute(
                    """
                    INSERT INTO channel_directory (platform, channel_id, name, kind, built_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (platform, channel_id) DO UPDATE SET name = excluded.name, kind = excluded.kind
                    """,
                    [.text(platform), .text(channel.id), .text(channel.name), .text(channel.kind), .integer(now)])
            }
        }
        return now
    }

    /// Adds or updates `channels` in `platform`'s directory, keeping the others; returns the build time.
    @discardableResult
    public func upsertChannels(platform: String, _ channels: [ChannelEntry]) throws -> Int64 {
        let now = now()
        try connection.transaction {
            for channel in channels {
                try connection.execute(
                    """
                    INSERT INTO channel_directory (platform, channel_id, name, kind, built_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (platform, channel_id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
                        built_at = excluded.built_at
                    """,
                    [.text(platform), .text(channel.id), .text(channel.name), .text(channel.kind), .integer(now)])
            }
        }
        return now
    }

    /// The directory of one platform, or of all, by platform and name.
    public func channels(platform: String? = nil) throws -> [ChannelDirectoryEntry] {
        let sql = "SELECT platform, channel_id, name, kind, built_at FROM channel_directory"
        let map: (Row) -> ChannelDirectoryEntry = {
            ChannelDirectoryEntry(
                platform: $0.string(0), channel: ChannelEntry(id: $0.string(1), name: $0.string(2), kind: $0.string(3)),
                builtAt: $0.int64(4))
        }
        if let platform {
            return try connection.rows(sql + " WHERE platform = ? ORDER BY name, channel_id", [.text(platform)], map)
        }
        return try connection.rows(sql + " ORDER BY platform, name, channel_id", [], map)
    }
}
