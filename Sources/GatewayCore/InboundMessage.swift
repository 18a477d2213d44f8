
/// A message an adapter received from its platform.
public struct InboundMessage: Sendable, Equatable, Codable {
    /// The platform's name in the configuration.
    public var platform: String
    /// The platform's own message id — unique per platform, the key that deduplicates redeliveries.
    public var id: String
    /// The chat, channel or (IRC) target it arrived in.
    public var chat: String
    /// Who sent it (user id or nick).
    public var sender: String
    public var text: String
    /// When the platform says it was sent (Unix ms), if it says.
    public var sentAt: Int64?
    /// The id (same form as `id`) of the message this one answers, when it is a reply.
    public var replyTo: String?
    /// The sender's display name, when the platform has one.
    public var senderName: String?
    /// The kind of chat it arrived in, when the platform says.
    public var chatKind: ChatKind?
    /// Files that came with it (described, not downloaded).
    public var attachments: [Attachment]

    public init(
        platform: String, id: String, chat: String, sender: String, text: String, sentAt: Int64? = nil,
        replyTo: String? = nil, senderName: String? = nil, chatKind: ChatKind? = nil, attachments: [Attachment] = []
    ) {
        self.platform = platform
        self.id = id
        self.chat = chat
        self.sender = sender
        self.text = text
        self.sentAt = sentAt
        self.replyTo = replyTo
        self.senderName = senderName
        self.chatKind = chatKind
        self.attachments = attachments
    }
}

/// Where adapters hand received messages on. The adapter calls `handOff` once per received batch, with the cursor
/// values that mark the batch as consumed (Telegram's next offset, Discord's seq); when it returns, the batch is
/// safely handed on and the cursors are persisted — only then may the adapter confirm the batch to the platform.
public protocol InboundSink: Sendable {
    func handOff(platform: String, messages: [InboundMessage], cursors: [String: String]) async throws
}

