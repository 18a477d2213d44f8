
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

    public init(platform: String, id: String, chat: String, sender: String, text: String, sentAt: Int64? = nil) {
        self.platform = platform
        self.id = id
        self.chat = chat
        self.sender = sender
        self.text = text
        self.sentAt = sentAt
    }
}

/// Where adapters hand received messages on. The adapter calls `handOff` once per received batch, with the cursor
/// values that mark the batch as consumed (Telegram's next offset, Discord's seq); when it returns, the batch is
/// safely handed on and the cursors are persisted — only then may the adapter confirm the batch to the platform.
public protocol InboundSink: Sendable {
    func handOff(platform: String, messages: [InboundMessage], cursors: [String: String]) async throws
}

