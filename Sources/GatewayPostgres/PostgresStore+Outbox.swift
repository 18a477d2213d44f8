import GatewayStore
import PostgresNIO

// The outbox on PostgreSQL: the SQLite store's methods (Store+Outbox.swift) with the same rules and results; in a
// fleet, the daemon that owns a platform flushes its queue (`waitingOutbox(ownedBy:)`).

extension PostgresStore {
    static let outboxColumns = """
        id, platform, target, text, state, created_at, expires_at, attempts, sent_at, platform_ids, error, updated_at, \
        idempotency_key, reply_to
        """

    /// Enqueues every message of `batch` in ONE transaction, with the SQLite store's rules: each platform must exist
    /// and not be disabled, and an idempotency key already used — also earlier in the same batch — returns that
    /// entry instead of a new one. All or nothing. Returns the entries in the batch's order.
    ///
    /// The batch's platform rows are read `FOR SHARE` (a platform cannot be disabled before this commits), and the
    /// `message_depths` rows of the platforms that get a new message are made or locked in name order before the
    /// inserts: two batches naming the same platforms in other orders then wait for each other instead of
    /// deadlocking (the depth triggers would otherwise take those rows in each batch's order).
    ///
    /// - Throws: `StoreError.unknownPlatform` / `.illegalTransition` (disabled) naming the first refused item's
    ///   platform; `FleetStoreError` when the database fails.
    public func enqueue(_ batch: [NewOutboxMessage]) async throws -> [OutboxEntry] {
        guard !batch.isEmpty else { return [] }
        let now = now()
        let names = Set(batch.map(\.platform)).sorted()
        let keys = Array(Set(batch.compactMap(\.idempotencyKey)))
        return try await transaction("queueing \(batch.count) message(s)") { [self] connection in
            let found = try await connection.query(
                "SELECT name, state FROM platforms WHERE name = ANY(\(names)) ORDER BY name FOR SHARE", logger: logger
            ).collect()
            var states: [String: String] = [:]
            for row in found {
                let (name, state) = try row.decode((String, String).self)
                states[name] = state
            }
            // Refused in the batch's order, as the SQLite store finds them; nothing is written before.
            for message in batch {
                guard let state = states[message.platform] else { throw StoreError.unknownPlatform(message.platform) }
                guard state != PlatformState.disabled.rawValue else {
                    throw StoreError.illegalTransition(platform: message.platform, from: .disabled, action: "queue a message")
                }
            }
            // Keys used before: those items are answered with the earlier entry, and get no row (nor depth row).
            var byKey: [String: OutboxEntry] = [:]
            if !keys.isEmpty {
                let earlier = try await connection.query(
                    "SELECT \(unescaped: Self.outboxColumns) FROM outbox WHERE idempotency_key = ANY(\(keys))", logger: logger
                ).collect()
                for entry in try earlier.map(Self.decodeOutbox) {
                    if let key = entry.idempotencyKey { byKey[key] = entry }
                }
            }
            let receiving = Set(batch.filter { $0.idempotencyKey.map { byKey[$0] == nil } ?? true }.map(\.platform)).sorted()
            _ = try await connection.query(
                """
                INSERT INTO message_depths (platform) SELECT name FROM unnest(\(receiving)::text[]) AS name ORDER BY name
                ON CONFLICT (platform) DO UPDATE SET outbox_waiting = message_depths.outbox_waiting
                RETURNING platform
                """,
                logger: logger
            ).collect()
            var entries: [OutboxEntry] = []
            entries.reserveCapacity(batch.count)
            for message in batch {
                if let key = message.idempotencyKey, let earlier = byKey[key] {
                    entries.append(earlier)
                    continue
                }
                let entry = try await insertOutbox(message, now: now, on: connection)
                if let key = message.idempotencyKey { byKey[key] = entry }
                entries.append(entry)
            }
            return entries
        }
    }

    /// Inserts one message. Its key was not used when the batch looked; when a transaction that committed since
    /// used it, its entry is the answer. (Looking first keeps the ids as SQLite's rowids: a key found spends no
    /// number of the sequence.)
    private func insertOutbox(_ message: NewOutboxMessage, now: Int64, on connection: PostgresConnection) async throws -> OutboxEntry {
        let inserted = try await connection.query(
            """
            INSERT INTO outbox (platform, target, text, state, created_at, expires_at, updated_at, idempotency_key, reply_to)
            VALUES (\(message.platform), \(message.target), \(message.text), 'queued', \(now), \(message.expiresAt), \(now),
                    \(message.idempotencyKey), \(message.replyTo))
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING \(unescaped: Self.outboxColumns)
            """,
            logger: logger
        ).collect().first.map(Self.decodeOutbox)
        if let inserted { return inserted }
        // Only a key can conflict: another transaction committed the same key since the look-up.
        guard let key = message.idempotencyKey, let found = try await connection.query(
            "SELECT \(unescaped: Self.outboxColumns) FROM outbox WHERE idempotency_key = \(key)", logger: logger
        ).collect().first.map(Self.decodeOutbox) else {
            throw FleetStoreError.corruptRow(
                table: "outbox", key: message.idempotencyKey ?? "", detail: "the insert was ignored but no entry has its key")
        }
        return found
    }

    /// The platform's next message to send (the oldest queued or sending), or nil.
    public func nextOutbox(platform: String) async throws -> OutboxEntry? {
        try await rows(
            "reading the next message of '\(platform)'",
            """
            SELECT \(unescaped: Self.outboxColumns) FROM outbox
            WHERE platform = \(platform) AND state IN ('queued', 'sending') ORDER BY id LIMIT 1
            """
        ).first.map(Self.decodeOutbox)
    }

    /// The platforms `daemon` owns now that have messages waiting, by name, and until when each one's queue is held
    /// back by a rate limit. Reads the per-platform counts (`message_depths`), not the waiting rows.
    public func waitingOutbox(ownedBy daemon: String) async throws -> [(platform: String, notBefore: Int64?)] {
        let now = now()
        return try await rows(
            "reading the waiting outbox of \(daemon)",
            """
            SELECT d.platform, p.outbox_not_before
            FROM message_depths d JOIN platforms p ON p.name = d.platform
            WHERE d.outbox_waiting > 0 AND p.owner = \(daemon) AND p.owner_until > \(now)
            ORDER BY d.platform COLLATE "C"
            """
        ).map { row in
            let (platform, notBefore) = try row.decode((String, Int64?).self)
            return (platform: platform, notBefore: notBefore)
        }
    }

    /// Marks queued (or sending) messages whose TTL has passed as expired; returns how many.
    @discardableResult
    public func expireOutbox() async throws -> Int {
        let now = now()
        return try await rows(
            "expiring the outbox",
            """
            WITH expired AS (
                UPDATE outbox SET state = 'expired', updated_at = \(now), error = 'its TTL passed before it could be sent'
                WHERE state IN ('queued', 'sending') AND expires_at IS NOT NULL AND expires_at <= \(now)
                RETURNING 1
            )
            SELECT count(*) FROM expired
            """
        ).first?.decode(Int.self) ?? 0
    }

    /// Moves a message on: `sending` (attempt counted) before the adapter is called, then `sent` (its platform ids
    /// kept), `failed`, `expired`, or back to `queued` with the reason it waits. The error is cut to 500 characters.
    public func updateOutbox(_ id: Int64, to state: OutboxEntry.State, platformIDs: [String] = [], error: String? = nil) async throws {
        let now = now()
        let sending = state == .sending ? 1 : 0
        let sent = state == .sent
        let ids = platformIDs.joined(separator: ",")
        let error = error.map { String($0.prefix(500)) }
        _ = try await rows(
            "updating outbox message \(id)",
            """
            UPDATE outbox SET state = \(state.rawValue), updated_at = \(now), attempts = attempts + \(sending),
                sent_at = CASE WHEN \(sent) THEN \(now) ELSE sent_at END,
                platform_ids = CASE WHEN \(sent) THEN \(ids) ELSE platform_ids END,
                error = \(error)
            WHERE id = \(id)
            """)
    }

    /// Holds back `platform`'s outbox until `until` (a rate-limit answer), or no more (nil): the connection itself
    /// is fine.
    public func delayOutbox(platform: String, until: Int64?) async throws {
        _ = try await rows(
            "delaying the outbox of '\(platform)'",
            "UPDATE platforms SET outbox_not_before = \(until) WHERE name = \(platform)")
    }

    /// Messages in the given states (all when empty), of one platform or all, oldest first.
    public func outbox(states: [OutboxEntry.State] = [], platform: String? = nil, limit: Int = 500) async throws -> [OutboxEntry] {
        let wanted = (states.isEmpty ? OutboxEntry.State.allCases : states).map(\.rawValue)
        let query: PostgresQuery
        if let platform {
            query = """
                SELECT \(unescaped: Self.outboxColumns) FROM outbox
                WHERE state = ANY(\(wanted)) AND platform = \(platform) ORDER BY id LIMIT \(limit)
                """
        } else {
            query = "SELECT \(unescaped: Self.outboxColumns) FROM outbox WHERE state = ANY(\(wanted)) ORDER BY id LIMIT \(limit)"
        }
        return try await rows("reading the outbox", query).map(Self.decodeOutbox)
    }

    /// Per platform: messages not yet acknowledged by the consumer, and messages waiting to be sent. One row per
    /// platform (`message_depths`, kept by triggers): the cost does not grow with the backlog.
    public func messageDepths() async throws -> [String: (inbox: Int, outbox: Int)] {
        var depths: [String: (inbox: Int, outbox: Int)] = [:]
        for row in try await rows("reading the message depths", "SELECT platform, inbox_pending, outbox_waiting FROM message_depths") {
            let (platform, inbox, outbox) = try row.decode((String, Int, Int).self)
            depths[platform] = (inbox: inbox, outbox: outbox)
        }
        return depths
    }

    static func decodeOutbox(_ row: PostgresRow) throws -> OutboxEntry {
        let (id, platform, target, text, stateText, createdAt, expiresAt, attempts, sentAt, platformIDs, error, updatedAt,
             idempotencyKey, replyTo) = try row.decode(
            (Int64, String, String, String, String, Int64, Int64?, Int, Int64?, String?, String?, Int64, String?, String?).self)
        guard let state = OutboxEntry.State(rawValue: stateText) else {
            throw FleetStoreError.corruptRow(table: "outbox", key: "\(id)", detail: "unknown state '\(stateText)'")
        }
        return OutboxEntry(
            id: id, platform: platform, target: target, text: text, state: state, createdAt: createdAt,
            expiresAt: expiresAt, attempts: attempts, sentAt: sentAt,
            platformIDs: platformIDs.map { $0.split(separator: ",").map(String.init) } ?? [], error: error,
            updatedAt: updatedAt, idempotencyKey: idempotencyKey, replyTo: replyTo)
    }
}
