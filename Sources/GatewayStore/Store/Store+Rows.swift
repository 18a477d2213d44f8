import GatewayCore
// Mapping between `platforms` / `platform_events` rows and their Swift records.

extension Store {
    static let recordColumns = """
        name, type, state, attempts, next_retry_at, scheduled_at, not_before, last_error_class, last_error_code, \
        last_error, first_failed_at, connected_since, stable_at, exhausted, state_changed_at, lease_owner, \
        lease_until, credential_fingerprint, created_at
        """
    /// What is read: the written columns, then `endpoint` (written from the configuration at startup only).
    static let readColumns = recordColumns + ", endpoint"

    func readRecord(_ name: String) throws -> PlatformRecord? {
        try connection.first("SELECT \(Self.readColumns) FROM platforms WHERE name = ?", [.text(name)], Self.decodeRecord)
    }

    static func decodeRecord(_ row: Row) throws -> PlatformRecord {
        let name = row.string(0)
        guard let state = PlatformState(rawValue: row.string(2)) else {
            throw StoreError.corruptRow(table: "platforms", key: name, detail: "unknown state '\(row.string(2))'")
        }
        var errorClass: ErrorClass?
        if let raw = row.optionalString(7) {
            guard let parsed = ErrorClass(rawValue: raw) else {
                throw StoreError.corruptRow(table: "platforms", key: name, detail: "unknown error class '\(raw)'")
            }
            errorClass = parsed
        }
        var record = PlatformRecord(name: name, type: row.string(1), fingerprint: row.optionalString(17), now: row.int64(18))
        record.state = state
        record.attempts = row.int(3)
        record.nextRetryAt = row.optionalInt64(4)
        record.scheduledAt = row.optionalInt64(5)
        record.notBefore = row.optionalInt64(6)
        record.lastErrorClass = errorClass
        record.lastErrorCode = row.optionalString(8)
        record.lastError = row.optionalString(9)
        record.firstFailedAt = row.optionalInt64(10)
        record.connectedSince = row.optionalInt64(11)
        record.stableAt = row.optionalInt64(12)
        record.exhausted = row.int64(13) != 0
        record.stateChangedAt = row.int64(14)
        record.leaseOwner = row.optionalString(15)
        record.leaseUntil = row.optionalInt64(16)
        record.endpoint = row.optionalString(19)
        return record
    }

    /// Inserts or replaces the row (by name). The columns are listed once, in `recordColumns` order.
    func writeRecord(_ r: PlatformRecord) throws {
        try connection.execute(
            """
            INSERT INTO platforms (\(Self.recordColumns))
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)
            ON CONFLICT (name) DO UPDATE SET
                type = ?2, state = ?3, attempts = ?4, next_retry_at = ?5, scheduled_at = ?6, not_before = ?7,
                last_error_class = ?8, last_error_code = ?9, last_error = ?10, first_failed_at = ?11,
                connected_since = ?12, stable_at = ?13, exhausted = ?14, state_changed_at = ?15, lease_owner = ?16,
                lease_until = ?17, credential_fingerprint = ?18
            """,
            [
                .text(r.name), .text(r.type), .text(r.state.rawValue), r.attempts.sqlValue, r.nextRetryAt.sqlValue,
                r.scheduledAt.sqlValue, r.notBefore.sqlValue, r.lastErrorClass?.rawValue.sqlValue ?? .null,
                r.lastErrorCode.sqlValue, r.lastError.sqlValue, r.firstFailedAt.sqlValue, r.connectedSince.sqlValue,
                r.stableAt.sqlValue, r.exhausted.sqlValue, r.stateChangedAt.sqlValue, r.leaseOwner.sqlValue,
                r.leaseUntil.sqlValue, r.credentialFingerprint.sqlValue, r.createdAt.sqlValue,
            ])
    }

    /// Appends an event and trims the platform's history to the newest `eventsPerPlatform` rows.
    func appendEvent(_ e: PlatformEvent) throws {
        try connection.execute(
            """
            INSERT INTO platform_events (platform, at, kind, from_state, to_state, attempt, error_class, detail, actor)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(e.platform), .integer(e.at), .text(e.kind.rawValue), e.fromState?.rawValue.sqlValue ?? .null,
                e.toState?.rawValue.sqlValue ?? .null, e.attempt.sqlValue, e.errorClass?.rawValue.sqlValue ?? .null,
                e.detail.map { String($0.prefix(1_000)) }.sqlValue, .text(e.actor),
            ])
        // Both lookups walk platform_events_by_platform; nothing is scanned.
        try connection.execute(
            """
            DELETE FROM platform_events WHERE platform = ?1 AND id <= (
                SELECT id FROM platform_events WHERE platform = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)
            """,
            [.text(e.platform), .integer(Int64(settings.eventsPerPlatform))])
    }

    static func decodeEvent(_ row: Row) throws -> PlatformEvent {
        guard let kind = PlatformEvent.Kind(rawValue: row.string(3)) else {
            throw StoreError.corruptRow(table: "platform_events", key: "\(row.int64(0))", detail: "unknown kind '\(row.string(3))'")
        }
        return PlatformEvent(
            id: row.int64(0), platform: row.string(1), at: row.int64(2), kind: kind,
            fromState: row.optionalString(4).flatMap(PlatformState.init(rawValue:)),
            toState: row.optionalString(5).flatMap(PlatformState.init(rawValue:)),
            attempt: row.optionalInt64(6).map(Int.init), errorClass: row.optionalString(7).flatMap(ErrorClass.init(rawValue:)),
            detail: row.optionalString(8), actor: row.string(9))
    }
}
