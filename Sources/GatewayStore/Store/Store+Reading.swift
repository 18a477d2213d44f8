// Reads for status views, the CLI and the router. None of these write.

extension Store {
    /// One platform's row, or nil.
    public func platform(_ name: String) throws -> PlatformRecord? { try readRecord(name) }

    /// Every platform's row, by name.
    public func platforms() throws -> [PlatformRecord] {
        try connection.rows("SELECT \(Self.readColumns) FROM platforms ORDER BY name", [], Self.decodeRecord)
    }

    /// The reconnect queue: `backing_off` rows, soonest first.
    public func queue() throws -> [PlatformRecord] {
        try connection.rows(
            "SELECT \(Self.readColumns) FROM platforms WHERE state = 'backing_off' ORDER BY next_retry_at, name",
            [], Self.decodeRecord)
    }

    /// The newest `limit` events, oldest first; of one platform, or of all.
    public func events(platform: String? = nil, limit: Int = 50) throws -> [PlatformEvent] {
        let columns = "id, platform, at, kind, from_state, to_state, attempt, error_class, detail, actor"
        let newest: [PlatformEvent]
        if let platform {
            newest = try connection.rows(
                "SELECT \(columns) FROM platform_events WHERE platform = ? ORDER BY id DESC LIMIT ?",
                [.text(platform), .integer(Int64(limit))], Self.decodeEvent)
        } else {
            newest = try connection.rows(
                "SELECT \(columns) FROM platform_events ORDER BY id DESC LIMIT ?", [.integer(Int64(limit))], Self.decodeEvent)
        }
        return newest.reversed()
    }

    /// How many events a platform has (bounded by `eventsPerPlatform`).
    public func eventCount(platform: String) throws -> Int {
        Int(try connection.scalarInt("SELECT count(*) FROM platform_events WHERE platform = ?", [.text(platform)]) ?? 0)
    }
}

extension Store {
    /// Whether any platform is connected, connecting or queued — can still come up without a human.
    ///
    /// Queued rows are found through `platforms_due`; the scan for the other two stops at the first match, so it is
    /// only long when nothing is live at all. (A plain index on `state` would tempt the planner away from the
    /// partial indexes for the hot queries.)
    public func anyLive() throws -> Bool {
        try connection.scalarInt("""
            SELECT EXISTS (SELECT 1 FROM platforms WHERE state = 'backing_off')
                OR EXISTS (SELECT 1 FROM platforms WHERE state IN ('connected', 'connecting'))
            """) == 1
    }
}

extension Store {
    /// Events with an id above `id`, oldest first (for following the history).
    public func events(afterID id: Int64, limit: Int = 500) throws -> [PlatformEvent] {
        try connection.rows(
            """
            SELECT id, platform, at, kind, from_state, to_state, attempt, error_class, detail, actor
            FROM platform_events WHERE id > ? ORDER BY id LIMIT ?
            """,
            [.integer(id), .integer(Int64(limit))], Self.decodeEvent)
    }

    /// The newest event's id (0 when there is none).
    public func lastEventID() throws -> Int64 {
        try connection.scalarInt("SELECT max(id) FROM platform_events") ?? 0
    }

    /// Events of the last `window` milliseconds, plus each platform's last event before it (so a timeline knows
    /// the state the window starts in), oldest first.
    public func timelineEvents(since: Int64) throws -> [PlatformEvent] {
        try connection.rows(
            """
            SELECT id, platform, at, kind, from_state, to_state, attempt, error_class, detail, actor
            FROM platform_events e
            WHERE at >= ?1 OR id = (SELECT max(id) FROM platform_events p WHERE p.platform = e.platform AND p.at < ?1)
            ORDER BY id
            """,
            [.integer(since)], Self.decodeEvent)
    }
}
