import GatewayCore
import GatewayStore
import PostgresNIO

/// A platform row with its owner lease.
public struct FleetRecord: Sendable, Equatable {
    /// The state machine's part: the same as SQLite's row.
    public var record: PlatformRecord
    /// The daemon that owns the platform, while `ownerUntil` is in the future.
    public var owner: String?
    public var ownerUntil: Int64?

    /// True when `daemon` holds the lease at `now`.
    public func isOwned(by daemon: String, at now: Int64) -> Bool {
        owner == daemon && (ownerUntil ?? .min) > now
    }
}

extension PostgresStore {
    static let columns = """
        name, type, state, attempts, next_retry_at, scheduled_at, not_before, last_error_class, last_error_code, \
        last_error, first_failed_at, connected_since, stable_at, exhausted, state_changed_at, lease_owner, lease_until, \
        credential_fingerprint, created_at, endpoint, owner, owner_until
        """

    static func decode(_ row: PostgresRow) throws -> FleetRecord {
        let cells = row.makeRandomAccess()
        let name = try cells["name"].decode(String.self)
        let stateText = try cells["state"].decode(String.self)
        guard let state = PlatformState(rawValue: stateText) else {
            throw FleetStoreError.corruptRow(table: "platforms", key: name, detail: "unknown state '\(stateText)'")
        }
        var errorClass: ErrorClass?
        if let raw = try cells["last_error_class"].decode(String?.self) {
            guard let parsed = ErrorClass(rawValue: raw) else {
                throw FleetStoreError.corruptRow(table: "platforms", key: name, detail: "unknown error class '\(raw)'")
            }
            errorClass = parsed
        }
        var record = PlatformRecord(
            name: name, type: try cells["type"].decode(String.self),
            fingerprint: try cells["credential_fingerprint"].decode(String?.self),
            now: try cells["created_at"].decode(Int64.self))
        record.state = state
        record.attempts = try cells["attempts"].decode(Int.self)
        record.nextRetryAt = try cells["next_retry_at"].decode(Int64?.self)
        record.scheduledAt = try cells["scheduled_at"].decode(Int64?.self)
        record.notBefore = try cells["not_before"].decode(Int64?.self)
        record.lastErrorClass = errorClass
        record.lastErrorCode = try cells["last_error_code"].decode(String?.self)
        record.lastError = try cells["last_error"].decode(String?.self)
        record.firstFailedAt = try cells["first_failed_at"].decode(Int64?.self)
        record.connectedSince = try cells["connected_since"].decode(Int64?.self)
        record.stableAt = try cells["stable_at"].decode(Int64?.self)
        record.exhausted = try cells["exhausted"].decode(Bool.self)
        record.stateChangedAt = try cells["state_changed_at"].decode(Int64.self)
        record.leaseOwner = try cells["lease_owner"].decode(String?.self)
        record.leaseUntil = try cells["lease_until"].decode(Int64?.self)
        record.endpoint = try cells["endpoint"].decode(String?.self)
        return FleetRecord(
            record: record, owner: try cells["owner"].decode(String?.self),
            ownerUntil: try cells["owner_until"].decode(Int64?.self))
    }

    /// Writes the state machine's columns of `r` (the row exists; its owner lease is not touched here).
    static func write(_ r: PlatformRecord, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE platforms SET
                state = \(r.state.rawValue), attempts = \(r.attempts), next_retry_at = \(r.nextRetryAt),
                scheduled_at = \(r.scheduledAt), not_before = \(r.notBefore), last_error_class = \(r.lastErrorClass?.rawValue),
                last_error_code = \(r.lastErrorCode), last_error = \(r.lastError), first_failed_at = \(r.firstFailedAt),
                connected_since = \(r.connectedSince), stable_at = \(r.stableAt), exhausted = \(r.exhausted),
                state_changed_at = \(r.stateChangedAt), lease_owner = \(r.leaseOwner), lease_until = \(r.leaseUntil),
                credential_fingerprint = \(r.credentialFingerprint)
            WHERE name = \(r.name)
            """,
            logger: logger)
    }

    static func append(_ e: PlatformEvent, on connection: PostgresConnection, logger: Logger) async throws {
        let detail = e.detail.map { String($0.prefix(1_000)) }
        try await connection.query(
            """
            INSERT INTO platform_events (platform, at, kind, from_state, to_state, attempt, error_class, detail, actor)
            VALUES (\(e.platform), \(e.at), \(e.kind.rawValue), \(e.fromState?.rawValue), \(e.toState?.rawValue),
                    \(e.attempt), \(e.errorClass?.rawValue), \(detail), \(e.actor))
            """,
            logger: logger)
    }

    /// Every platform row, by name.
    public func records() async throws -> [FleetRecord] {
        try await rows("reading the platforms", "SELECT \(unescaped: Self.columns) FROM platforms ORDER BY name").map(Self.decode)
    }

    /// One platform's row, or nil.
    public func record(_ name: String) async throws -> FleetRecord? {
        try await rows("reading platform '\(name)'", "SELECT \(unescaped: Self.columns) FROM platforms WHERE name = \(name)")
            .first.map(Self.decode)
    }

    /// The newest `limit` events of a platform, oldest first.
    public func events(platform: String, limit: Int = 100) async throws -> [PlatformEvent] {
        let found = try await rows(
            "reading the events of '\(platform)'",
            """
            SELECT \(unescaped: Self.eventColumns) FROM (
                SELECT * FROM platform_events WHERE platform = \(platform) ORDER BY id DESC LIMIT \(limit)
            ) newest ORDER BY id
            """)
        return try found.map(Self.decodeEvent)
    }
}
