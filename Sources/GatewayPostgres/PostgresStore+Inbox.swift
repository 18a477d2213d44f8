import Foundation
import GatewayCore
import GatewayStore
import PostgresNIO

// The inbox on PostgreSQL: the SQLite store's methods (Store+Inbox.swift) with the same rules and results. In a
// fleet, only the platform's owner receives (its cursor write is fenced by the lease) and dispatches.

extension PostgresStore {
    static let inboxColumns = """
        id, platform, message_id, chat, sender, text, sent_at, received_at, delivered_at, attempts, next_attempt_at, \
        last_error, reply_to, sender_name, chat_kind, attachments::text AS attachments
        """

    /// Stores a received batch and advances the platform's cursors in one transaction: the cursor is never ahead of
    /// the committed inbox. Messages already stored (same platform and message id) are ignored. Returns how many
    /// were new.
    ///
    /// With an `owner`, the platform row is locked first (`FOR UPDATE`) and the batch refused unless that daemon
    /// holds the platform's lease now: a daemon that lost its lease can never move a cursor the new owner advanced.
    ///
    /// - Throws: `FleetStoreError.notOwner` (nothing written), `.unknownPlatform` (with an owner), or what the
    ///   database answered.
    @discardableResult
    public func receive(platform: String, _ messages: [ReceivedMessage], cursors: [String: String], owner: String?) async throws -> Int {
        let now = now()
        return try await transaction("receiving \(messages.count) message(s) for '\(platform)'") { [self] connection in
            if let owner {
                let row = try await connection.query(
                    "SELECT owner, owner_until FROM platforms WHERE name = \(platform) FOR UPDATE", logger: logger
                ).collect().first
                guard let row else { throw FleetStoreError.unknownPlatform(platform) }
                let (holder, until) = try row.decode((String?, Int64?).self)
                guard holder == owner, let until, until > now else {
                    throw FleetStoreError.notOwner(platform: platform, daemon: owner, owner: (until ?? .min) > now ? holder : nil)
                }
            }
            var added = 0
            for message in messages {
                // NOT EXISTS first: a redelivery spends no id (ON CONFLICT alone would), so ids follow SQLite's.
                // ON CONFLICT still covers a concurrent insert of the same message. A NULL parameter has no type of
                // its own here (a SELECT, not VALUES): the casts give it the column's.
                let inserted = try await connection.query(
                    """
                    INSERT INTO inbox (platform, message_id, chat, sender, text, sent_at, received_at, reply_to, sender_name,
                                       chat_kind, attachments)
                    SELECT \(platform), \(message.messageID), \(message.chat), \(message.sender), \(message.text),
                           \(message.sentAt)::bigint, \(now), \(message.replyTo)::text, \(message.senderName)::text,
                           \(message.chatKind?.rawValue)::text, \(AttachmentColumn.encode(message.attachments))::jsonb
                    WHERE NOT EXISTS (SELECT 1 FROM inbox WHERE platform = \(platform) AND message_id = \(message.messageID))
                    ON CONFLICT (platform, message_id) DO NOTHING
                    RETURNING id
                    """,
                    logger: logger
                ).collect()
                added += inserted.count
            }
            try await Self.writeCursors(platform: platform, cursors, now: now, on: connection, logger: logger)
            return added
        }
    }

    /// The oldest messages the consumer has not acknowledged, in arrival order, of the platforms `daemon` owns now:
    /// one dispatcher per platform in the fleet.
    public func pendingInbox(ownedBy daemon: String, limit: Int = 100) async throws -> [InboxEntry] {
        let now = now()
        return try await rows(
            "reading the pending inbox of \(daemon)",
            """
            SELECT \(unescaped: Self.inboxColumns) FROM inbox
            WHERE delivered_at IS NULL
              AND platform IN (SELECT name FROM platforms WHERE owner = \(daemon) AND owner_until > \(now))
            ORDER BY id LIMIT \(limit)
            """
        ).map(Self.decodeInbox)
    }

    /// Messages in arrival order after `afterID` (for `gatewayd inbox --follow`), of one platform or all.
    public func inbox(platform: String? = nil, afterID: Int64 = 0, limit: Int = 100) async throws -> [InboxEntry] {
        let query: PostgresQuery
        if let platform {
            query = """
                SELECT \(unescaped: Self.inboxColumns) FROM inbox
                WHERE platform = \(platform) AND id > \(afterID) ORDER BY id LIMIT \(limit)
                """
        } else {
            query = "SELECT \(unescaped: Self.inboxColumns) FROM inbox WHERE id > \(afterID) ORDER BY id LIMIT \(limit)"
        }
        return try await rows("reading the inbox", query).map(Self.decodeInbox)
    }

    /// The consumer acknowledged these messages. One statement, so that the depth rows it changes are locked in
    /// platform order (see 0002_messages.sql).
    public func markInboxDelivered(_ ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        let now = now()
        _ = try await rows(
            "marking \(ids.count) inbox message(s) delivered",
            "UPDATE inbox SET delivered_at = \(now), next_attempt_at = NULL, last_error = NULL WHERE id = ANY(\(ids))")
    }

    /// A delivery to the consumer failed; it is retried at `nextAttemptAt`. The error is cut to 500 characters.
    public func markInboxFailed(_ id: Int64, error: String, nextAttemptAt: Int64) async throws {
        _ = try await rows(
            "recording a failed delivery of inbox message \(id)",
            """
            UPDATE inbox SET attempts = attempts + 1, next_attempt_at = \(nextAttemptAt),
                last_error = \(String(error.prefix(500)))
            WHERE id = \(id)
            """)
    }

    /// Retention: deletes delivered messages received before `deliveredBefore`, and — only when nothing consumes the
    /// inbox but `gatewayd inbox` — undelivered ones received before `undeliveredBefore`. Returns how many went.
    @discardableResult
    public func pruneInbox(deliveredBefore: Int64, undeliveredBefore: Int64?) async throws -> Int {
        try await transaction("pruning the inbox") { [self] connection in
            var removed = try await Self.count(
                "DELETE FROM inbox WHERE delivered_at IS NOT NULL AND received_at < \(deliveredBefore) RETURNING 1",
                on: connection, logger: logger)
            if let undeliveredBefore {
                removed += try await Self.count(
                    "DELETE FROM inbox WHERE delivered_at IS NULL AND received_at < \(undeliveredBefore) RETURNING 1",
                    on: connection, logger: logger)
            }
            return removed
        }
    }

    /// How many rows a data-changing statement with `RETURNING 1` touched.
    private static func count(_ statement: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        var count = 0
        for try await _ in try await connection.query(statement, logger: logger) { count += 1 }
        return count
    }

    static func decodeInbox(_ row: PostgresRow) throws -> InboxEntry {
        let (id, platform, messageID, chat, sender, text, sentAt, receivedAt, deliveredAt, attempts, nextAttemptAt,
             lastError, replyTo, senderName, chatKind, attachments) = try row.decode(
            (Int64, String, String, String, String, String, Int64?, Int64, Int64?, Int, Int64?, String?, String?, String?,
             String?, String?).self)
        return InboxEntry(
            id: id, platform: platform, messageID: messageID, chat: chat, sender: sender, text: text, sentAt: sentAt,
            receivedAt: receivedAt, deliveredAt: deliveredAt, attempts: attempts, nextAttemptAt: nextAttemptAt,
            lastError: lastError, replyTo: replyTo, senderName: senderName,
            chatKind: chatKind.flatMap(ChatKind.init(rawValue:)), attachments: AttachmentColumn.decode(attachments))
    }
}
