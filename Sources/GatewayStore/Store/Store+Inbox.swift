import Foundation
import GatewayCore

// The inbox: received messages, written with the cursor that covers them, kept until the consumer acknowledges them.

/// A received message as stored.
public struct InboxEntry: Sendable, Equatable {
    public var id: Int64
    public var platform: String
    public var messageID: String
    public var chat: String
    public var sender: String
    public var text: String
    public var sentAt: Int64?
    public var receivedAt: Int64
    public var deliveredAt: Int64?
    public var attempts: Int
    public var nextAttemptAt: Int64?
    public var lastError: String?
    public var replyTo: String?
    public var senderName: String?
    public var chatKind: ChatKind?
    public var attachments: [Attachment]

    /// Every field, as a store read it (public: the PostgreSQL store builds it too).
    public init(
        id: Int64, platform: String, messageID: String, chat: String, sender: String, text: String, sentAt: Int64?,
        receivedAt: Int64, deliveredAt: Int64?, attempts: Int, nextAttemptAt: Int64?, lastError: String?,
        replyTo: String?, senderName: String?, chatKind: ChatKind?, attachments: [Attachment]
    ) {
        self.id = id
        self.platform = platform
        self.messageID = messageID
        self.chat = chat
        self.sender = sender
        self.text = text
        self.sentAt = sentAt
        self.receivedAt = receivedAt
        self.deliveredAt = deliveredAt
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.replyTo = replyTo
        self.senderName = senderName
        self.chatKind = chatKind
        self.attachments = attachments
    }
}

/// A message to put in the inbox.
public struct ReceivedMessage: Sendable, Equatable {
    public var messageID: String
    public var chat: String
    public var sender: String
    public var text: String
    public var sentAt: Int64?
    public var replyTo: String?
    public var senderName: String?
    public var chatKind: ChatKind?
    public var attachments: [Attachment]

    public init(
        messageID: String, chat: String, sender: String, text: String, sentAt: Int64?, replyTo: String? = nil,
        senderName: String? = nil, chatKind: ChatKind? = nil, attachments: [Attachment] = []
    ) {
        self.messageID = messageID
        self.chat = chat
        self.sender = sender
        self.text = text
        self.sentAt = sentAt
        self.replyTo = replyTo
        self.senderName = senderName
        self.chatKind = chatKind
        self.attachments = attachments
    }

    /// What an adapter received, as the inbox stores it.
    public init(_ message: InboundMessage) {
        self.init(
            messageID: message.id, chat: message.chat, sender: message.sender, text: message.text,
            sentAt: message.sentAt, replyTo: message.replyTo, senderName: message.senderName,
            chatKind: message.chatKind, attachments: message.attachments)
    }
}

extension Store {
    static let inboxColumns = """
        id, platform, message_id, chat, sender, text, sent_at, received_at, delivered_at, attempts, next_attempt_at, \
        last_error, reply_to, sender_name, chat_kind, attachments
        """

    /// Stores a received batch and advances the platform's cursors in one transaction: the cursor is never ahead of
    /// the committed inbox. Messages already stored (same platform and message id) are ignored. Returns how many
    /// were new.
    @discardableResult
    public func receive(platform: String, _ messages: [ReceivedMessage], cursors: [String: String]) throws -> Int {
        let now = now()
        return try connection.transaction {
            var added = 0
            for message in messages {
                added += try connection.execute(
                    """
                    INSERT INTO inbox (
                        platform, message_id, chat, sender, text, sent_at, received_at, reply_to, sender_name,
                        chat_kind, attachments)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (platform, message_id) DO NOTHING
                    """,
                    [.text(platform), .text(message.messageID), .text(message.chat), .text(message.sender),
                     .text(message.text), message.sentAt.sqlValue, .integer(now), message.replyTo.sqlValue,
                     message.senderName.sqlValue, (message.chatKind?.rawValue).sqlValue,
                     AttachmentColumn.encode(message.attachments).sqlValue])
            }
            try writeCursorsInTransaction(platform: platform, cursors, now: now)
            return added
        }
    }

    /// The oldest messages the consumer has not acknowledged, in arrival order.
    public func pendingInbox(limit: Int = 100) throws -> [InboxEntry] {
        try connection.rows(
            "SELECT \(Self.inboxColumns) FROM inbox WHERE delivered_at IS NULL ORDER BY id LIMIT ?",
            [.integer(Int64(limit))], Self.decodeInbox)
    }

    /// Messages in arrival order after `afterID` (for `gatewayd inbox --follow`), of one platform or all.
    public func inbox(platform: String? = nil, afterID: Int64 = 0, limit: Int = 100) throws -> [InboxEntry] {
        if let platform {
            return try connection.rows(
                "SELECT \(Self.inboxColumns) FROM inbox WHERE platform = ? AND id > ? ORDER BY id LIMIT ?",
                [.text(platform), .integer(afterID), .integer(Int64(limit))], Self.decodeInbox)
        }
        return try connection.rows(
            "SELECT \(Self.inboxColumns) FROM inbox WHERE id > ? ORDER BY id LIMIT ?",
            [.integer(afterID), .integer(Int64(limit))], Self.decodeInbox)
    }

    /// The consumer acknowledged these messages.
    public func markInboxDelivered(_ ids: [Int64]) throws {
        let now = now()
        try connection.transaction {
            for id in ids {
                try connection.execute(
                    "UPDATE inbox SET delivered_at = ?, next_attempt_at = NULL, last_error = NULL WHERE id = ?",
                    [.integer(now), .integer(id)])
            }
        }
    }

    /// A delivery to the consumer failed; it is retried at `nextAttemptAt`.
    public func markInboxFailed(_ id: Int64, error: String, nextAttemptAt: Int64) throws {
        try connection.transaction {
            try connection.execute(
                "UPDATE inbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?",
                [.integer(nextAttemptAt), .text(String(error.prefix(500))), .integer(id)])
        }
    }

    /// Retention: deletes delivered messages received before `deliveredBefore`, and — only when nothing consumes the
    /// inbox but `gatewayd inbox` — undelivered ones received before `undeliveredBefore`. Returns how many went.
    @discardableResult
    public func pruneInbox(deliveredBefore: Int64, undeliveredBefore: Int64?) throws -> Int {
        try connection.transaction {
            var removed = try connection.execute(
                "DELETE FROM inbox WHERE delivered_at IS NOT NULL AND received_at < ?", [.integer(deliveredBefore)])
            if let undeliveredBefore {
                removed += try connection.execute(
                    "DELETE FROM inbox WHERE delivered_at IS NULL AND received_at < ?", [.integer(undeliveredBefore)])
            }
            return removed
        }
    }

    static func decodeInbox(_ row: Row) -> InboxEntry {
        InboxEntry(
            id: row.int64(0), platform: row.string(1), messageID: row.string(2), chat: row.string(3), sender: row.string(4),
            text: row.string(5), sentAt: row.optionalInt64(6), receivedAt: row.int64(7), deliveredAt: row.optionalInt64(8),
            attempts: row.int(9), nextAttemptAt: row.optionalInt64(10), lastError: row.optionalString(11),
            replyTo: row.optionalString(12), senderName: row.optionalString(13),
            chatKind: row.optionalString(14).flatMap(ChatKind.init(rawValue:)),
            attachments: AttachmentColumn.decode(row.optionalString(15)))
    }
}
