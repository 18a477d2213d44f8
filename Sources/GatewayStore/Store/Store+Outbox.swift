// The outbox: messages to send, kept until the platform accepted them, flushed in order when it is connected.

/// A message to send, as stored.
public struct OutboxEntry: Sendable, Equatable {
    public enum State: String, Sendable, Equatable, CaseIterable, Codable {
        /// Waiting for the platform (or for its turn).
        case queued
        /// Handed to the adapter; a crash now means it is sent again (at-least-once).
        case sending
        case sent
        /// The platform refused this message (blocked, unknown chat, 403): not retried.
        case failed
        /// Its TTL passed before it could be sent.
        case expired
    }

    public var id: Int64
    public var platform: String
    public var target: String
    public var text: String
    public var state: State
    public var createdAt: Int64
    public var expiresAt: Int64?
    public var attempts: Int
    public var sentAt: Int64?
    public var platformIDs: [String]
    public var error: String?
    public var updatedAt: Int64
    public var idempotencyKey: String?
    /// The platform message id (an inbox `message_id`) this answers.
    public var replyTo: String?

    /// Every field, as a store read it (public: the PostgreSQL store builds it too).
    public init(
        id: Int64, platform: String, target: String, text: String, state: State, createdAt: Int64, expiresAt: Int64?,
        attempts: Int, sentAt: Int64?, platformIDs: [String], error: String?, updatedAt: Int64, idempotencyKey: String?,
        replyTo: String? = nil
    ) {
        self.id = id
        self.platform = platform
        self.target = target
        self.text = text
        self.state = state
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.attempts = attempts
        self.sentAt = sentAt
        self.platformIDs = platformIDs
        self.error = error
        self.updatedAt = updatedAt
        self.idempotencyKey = idempotencyKey
        self.replyTo = replyTo
    }
}

/// A message to put in the outbox (``Store/enqueue(_:)``).
public struct NewOutboxMessage: Sendable, Equatable {
    public var platform: String
    public var target: String
    public var text: String
    /// Unix milliseconds after which it is not sent any more (TTL).
    public var expiresAt: Int64?
    /// The caller's key: enqueueing again with it returns the first entry.
    public var idempotencyKey: String?
    /// The platform message id (an inbox `message_id`) this answers: the adapter threads the reply where the
    /// platform can.
    public var replyTo: String?

    public init(
        platform: String, target: String, text: String, expiresAt: Int64? = nil, idempotencyKey: String? = nil,
        replyTo: String? = nil
    ) {
        self.platform = platform
        self.target = target
        self.text = text
        self.expiresAt = expiresAt
        self.idempotencyKey = idempotencyKey
        self.replyTo = replyTo
    }
}

extension Store {
    static let outboxColumns = """
        id, platform, target, text, state, created_at, expires_at, attempts, sent_at, platform_ids, error, updated_at, \
        idempotency_key, reply_to
        """

    /// Enqueues a message for `platform` (which must exist and not be disabled). With an idempotency key already
    /// used, returns the earlier entry instead of enqueueing twice.
    public func enqueue(
        platform: String, target: String, text: String, expiresAt: Int64? = nil, idempotencyKey: String? = nil
    ) throws -> OutboxEntry {
        try enqueue([NewOutboxMessage(
            platform: platform, target: target, text: text, expiresAt: expiresAt, idempotencyKey: idempotencyKey)])[0]
    }

    /// Enqueues every message of `batch` in ONE transaction (one commit, one WAL sync), with the rules of the single
    /// `enqueue`: each platform must exist and not be disabled, and an idempotency key already used — also earlier
    /// in the same batch — returns that entry instead of a new one. All or nothing: when any item is refused, the
    /// transaction is rolled back and nothing of the batch is queued. Returns the entries in the batch's order.
    ///
    /// - Throws: `StoreError.unknownPlatform` / `.illegalTransition` (disabled) naming the item's platform.
    public func enqueue(_ batch: [NewOutboxMessage]) throws -> [OutboxEntry] {
        guard !batch.isEmpty else { return [] }
        let now = now()
        return try connection.transaction {
            var checked: Set<String> = []
            var entries: [OutboxEntry] = []
            entries.reserveCapacity(batch.count)
            for message in batch {
                if !checked.contains(message.platform) {
                    guard let record = try readRecord(message.platform) else { throw StoreError.unknownPlatform(message.platform) }
                    guard record.state != .disabled else {
                        throw StoreError.illegalTransition(platform: message.platform, from: .disabled, action: "queue a message")
                    }
                    checked.insert(message.platform)
                }
                entries.append(try insertOutbox(message, now: now))
            }
            return entries
        }
    }

    /// Inserts one message (or finds the entry its idempotency key already made). Call inside a transaction.
    private func insertOutbox(_ message: NewOutboxMessage, now: Int64) throws -> OutboxEntry {
        if let key = message.idempotencyKey, let existing = try connection.first(
            "SELECT \(Self.outboxColumns) FROM outbox WHERE idempotency_key = ?", [.text(key)], Self.decodeOutbox) {
            return existing
        }
        try connection.execute(
            """
            INSERT INTO outbox (
                platform, target, text, state, created_at, expires_at, updated_at, idempotency_key, reply_to)
            VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?)
            """,
            [.text(message.platform), .text(message.target), .text(message.text), .integer(now),
             message.expiresAt.sqlValue, .integer(now), message.idempotencyKey.sqlValue, message.replyTo.sqlValue])
        let id = try connection.scalarInt("SELECT last_insert_rowid()") ?? 0
        return OutboxEntry(
            id: id, platform: message.platform, target: message.target, text: message.text, state: .queued,
            createdAt: now, expiresAt: message.expiresAt, attempts: 0, sentAt: nil, platformIDs: [], error: nil,
            updatedAt: now, idempotencyKey: message.idempotencyKey, replyTo: message.replyTo)
    }

    /// The platform's next message to send (the oldest queued or sending), or nil.
    public func nextOutbox(platform: String) throws -> OutboxEntry? {
        try connection.first(
            "SELECT \(Self.outboxColumns) FROM outbox WHERE platform = ? AND state IN ('queued', 'sending') ORDER BY id LIMIT 1",
            [.text(platform)], Self.decodeOutbox)
    }

    /// Platforms with messages waiting, and until when each platform's queue is held back by a rate limit. Reads
    /// the per-platform counts (`message_depths`, kept by triggers), not the waiting rows.
    public func waitingOutbox() throws -> [(platform: String, notBefore: Int64?)] {
        try connection.rows(
            """
            SELECT d.platform, p.outbox_not_before
            FROM message_depths d JOIN platforms p ON p.name = d.platform
            WHERE d.outbox_waiting > 0 ORDER BY d.platform
            """
        ) { (platform: $0.string(0), notBefore: $0.optionalInt64(1)) }
    }

    /// Marks queued messages whose TTL has passed as expired; returns how many.
    @discardableResult
    public func expireOutbox() throws -> Int {
        let now = now()
        return try connection.transaction {
            try connection.execute(
                """
                UPDATE outbox SET state = 'expired', updated_at = ?1, error = 'its TTL passed before it could be sent'
                WHERE state IN ('queued', 'sending') AND expires_at IS NOT NULL AND expires_at <= ?1
                """,
                [.integer(now)])
        }
    }

    /// Moves a message on: `sending` (attempt counted) before the adapter is called, then `sent`, `failed`,
    /// `expired`, or back to `queued` with the reason it waits.
    public func updateOutbox(_ id: Int64, to state: OutboxEntry.State, platformIDs: [String] = [], error: String? = nil) throws {
        let now = now()
        try connection.transaction {
            try connection.execute(
                """
                UPDATE outbox SET state = ?2, updated_at = ?3,
                    attempts = attempts + (CASE WHEN ?2 = 'sending' THEN 1 ELSE 0 END),
                    sent_at = CASE WHEN ?2 = 'sent' THEN ?3 ELSE sent_at END,
                    platform_ids = CASE WHEN ?2 = 'sent' THEN ?4 ELSE platform_ids END,
                    error = ?5
                WHERE id = ?1
                """,
                [.integer(id), .text(state.rawValue), .integer(now), .text(platformIDs.joined(separator: ",")),
                 error.map { String($0.prefix(500)) }.sqlValue])
        }
    }

    /// Holds back `platform`'s outbox until `until` (a rate-limit answer): the connection itself is fine.
    public func delayOutbox(platform: String, until: Int64?) throws {
        try connection.transaction {
            try connection.execute("UPDATE platforms SET outbox_not_before = ? WHERE name = ?", [until.sqlValue, .text(platform)])
        }
    }

    /// Messages in the given states (all when empty), oldest first.
    public func outbox(states: [OutboxEntry.State] = [], platform: String? = nil, limit: Int = 500) throws -> [OutboxEntry] {
        let wanted = states.isEmpty ? OutboxEntry.State.allCases : states
        let placeholders = wanted.map { _ in "?" }.joined(separator: ", ")
        var values: [SQLValue] = wanted.map { .text($0.rawValue) }
        var sql = "SELECT \(Self.outboxColumns) FROM outbox WHERE state IN (\(placeholders))"
        if let platform {
            sql += " AND platform = ?"
            values.append(.text(platform))
        }
        values.append(.integer(Int64(limit)))
        return try connection.rows(sql + " ORDER BY id LIMIT ?", values, Self.decodeOutbox)
    }

    /// Per platform: messages not yet acknowledged by the consumer, and messages waiting to be sent. One row per
    /// platform (`message_depths`, kept by triggers, schema 7): the cost does not grow with the backlog.
    public func messageDepths() throws -> [String: (inbox: Int, outbox: Int)] {
        var depths: [String: (inbox: Int, outbox: Int)] = [:]
        try connection.forEach("SELECT platform, inbox_pending, outbox_waiting FROM message_depths") {
            depths[$0.string(0)] = (inbox: $0.int(1), outbox: $0.int(2))
        }
        return depths
    }

    static func decodeOutbox(_ row: Row) throws -> OutboxEntry {
        guard let state = OutboxEntry.State(rawValue: row.string(4)) else {
            throw StoreError.corruptRow(table: "outbox", key: "\(row.int64(0))", detail: "unknown state '\(row.string(4))'")
        }
        let ids = row.optionalString(9).map { $0.split(separator: ",").map(String.init) } ?? []
        return OutboxEntry(
            id: row.int64(0), platform: row.string(1), target: row.string(2), text: row.string(3), state: state,
            createdAt: row.int64(5), expiresAt: row.optionalInt64(6), attempts: row.int(7), sentAt: row.optionalInt64(8),
            platformIDs: ids, error: row.optionalString(10), updatedAt: row.int64(11), idempotencyKey: row.optionalString(12),
            replyTo: row.optionalString(13))
    }
}
