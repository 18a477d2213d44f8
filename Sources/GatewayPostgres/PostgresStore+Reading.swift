import GatewayCore
import GatewayStore
import PostgresNIO

// Reads for status views, the CLI and the watcher on PostgreSQL, as the SQLite store's (Store+Reading.swift), and the
// daemon's own heartbeat row (SQLite's daemon lease: one row per daemon of the fleet here).
extension PostgresStore {
    /// Every platform's row, by name (without its owner lease: `records()` has it).
    public func platforms() async throws -> [PlatformRecord] {
        try await records().map(\.record)
    }

    /// Whether any platform is connected, connecting or queued — can still come up without a human — on any daemon.
    public func anyLive() async throws -> Bool {
        try await rows(
            "reading whether any platform is live",
            """
            SELECT EXISTS (SELECT 1 FROM platforms WHERE state = 'backing_off')
                OR EXISTS (SELECT 1 FROM platforms WHERE state IN ('connected', 'connecting'))
            """
        ).first?.decode(Bool.self) ?? false
    }

    /// The newest event's id (0 when there is none).
    public func lastEventID() async throws -> Int64 {
        try await rows("reading the last event id", "SELECT coalesce(max(id), 0) FROM platform_events")
            .first?.decode(Int64.self) ?? 0
    }

    /// Events with an id above `id`, oldest first (for following the history), at most `limit`.
    public func events(afterID id: Int64, limit: Int = 500) async throws -> [PlatformEvent] {
        try await rows(
            "reading the events after \(id)",
            """
            SELECT \(unescaped: Self.eventColumns) FROM platform_events WHERE id > \(id) ORDER BY id LIMIT \(limit)
            """
        ).map(Self.decodeEvent)
    }

    /// Events at or after `since` (Unix ms), plus each platform's last event before it (so a timeline knows the state
    /// the window starts in), oldest first — the SQLite store's filter.
    public func timelineEvents(since: Int64) async throws -> [PlatformEvent] {
        try await rows(
            "reading the timeline since \(since)",
            """
            SELECT \(unescaped: Self.eventColumns) FROM platform_events e
            WHERE at >= \(since)
               OR id = (SELECT max(id) FROM platform_events p WHERE p.platform = e.platform AND p.at < \(since))
            ORDER BY id
            """
        ).map(Self.decodeEvent)
    }

    static let eventColumns = "id, platform, at, kind, from_state, to_state, attempt, error_class, detail, actor"

    /// One `platform_events` row (`eventColumns`, in that order).
    static func decodeEvent(_ row: PostgresRow) throws -> PlatformEvent {
        let (id, name, at, kind, from, to, attempt, errorClass, detail, actor) = try row.decode(
            (Int64, String, Int64, String, String?, String?, Int?, String?, String?, String).self)
        guard let parsedKind = PlatformEvent.Kind(rawValue: kind) else {
            throw FleetStoreError.corruptRow(table: "platform_events", key: "\(id)", detail: "unknown kind '\(kind)'")
        }
        return PlatformEvent(
            id: id, platform: name, at: at, kind: parsedKind, fromState: from.flatMap(PlatformState.init(rawValue:)),
            toState: to.flatMap(PlatformState.init(rawValue:)), attempt: attempt,
            errorClass: errorClass.flatMap(ErrorClass.init(rawValue:)), detail: detail, actor: actor)
    }
}

extension PostgresStore {
    /// Refreshes `owner`'s heartbeat in `fleet_daemons` (and its watcher's, when `watcher` is true). Throws
    /// `FleetStoreError` `unknown_daemon` when the daemon has no row (it never joined, or the row was removed) — as
    /// the SQLite store throws `leaseLost` when its lease row is gone. Platform leases are renewed by `renew`, not here.
    public func heartbeat(owner: String, watcher: Bool) async throws {
        let now = now()
        let updated = try await rows(
            "recording the heartbeat of \(owner)",
            """
            UPDATE fleet_daemons SET heartbeat_at = \(now), watcher_at = CASE WHEN \(watcher) THEN \(now) ELSE watcher_at END
            WHERE owner = \(owner)
            RETURNING owner
            """)
        if updated.isEmpty {
            throw FleetStoreError.unknownDaemon(owner, doing: watcher ? "the watcher's heartbeat" : "the heartbeat")
        }
    }

    /// `owner`'s `fleet_daemons` row as the SQLite store's lease row (its identity, start, heartbeat and watcher's
    /// heartbeat), or nil when it has none.
    public func daemonLease(owner: String) async throws -> DaemonLease? {
        try await rows(
            "reading the fleet row of \(owner)",
            "SELECT owner, pid, host, started_at, heartbeat_at, watcher_at FROM fleet_daemons WHERE owner = \(owner)"
        ).first.map { row in
            let (owner, pid, host, startedAt, heartbeatAt, watcherAt) = try row.decode(
                (String, Int64, String, Int64, Int64, Int64?).self)
            return DaemonLease(
                identity: DaemonIdentity(owner: owner, pid: pid, host: host), startedAt: startedAt, heartbeatAt: heartbeatAt,
                watcherAt: watcherAt)
        }
    }
}
