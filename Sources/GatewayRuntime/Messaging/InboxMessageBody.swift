import GatewayCore
import GatewayStore

/// A received message as the consumer sees it — the inbox webhook's body and a line of `gatewayd inbox --json`.
/// Keys are snake_case and always present: an absent value is `null` (an empty array for `attachments`), so a
/// consumer's schema can require every key.
struct InboxMessageBody: Encodable {
    let entry: InboxEntry

    init(_ entry: InboxEntry) { self.entry = entry }

    enum Key: String, CodingKey {
        case id, platform, chat, sender, text, attachments
        case messageID = "message_id", sentAt = "sent_at", receivedAt = "received_at", replyTo = "reply_to"
        case senderName = "sender_name", chatKind = "chat_kind"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(entry.id, forKey: .id)
        try container.encode(entry.platform, forKey: .platform)
        try container.encode(entry.messageID, forKey: .messageID)
        try container.encode(entry.chat, forKey: .chat)
        try container.encode(entry.chatKind, forKey: .chatKind)
        try container.encode(entry.sender, forKey: .sender)
        try container.encode(entry.senderName, forKey: .senderName)
        try container.encode(entry.text, forKey: .text)
        try container.encode(entry.replyTo, forKey: .replyTo)
        try container.encode(entry.attachments, forKey: .attachments)
        try container.encode(entry.sentAt, forKey: .sentAt)
        try container.encode(entry.receivedAt, forKey: .receivedAt)
    }
}
