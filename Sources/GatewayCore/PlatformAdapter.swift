
/// One connection to one platform. Supervision creates a fresh adapter for every attempt.
///
/// The lifecycle is: `connect()` (includes the credentials check) → `run()` until the connection drops → `disconnect()`.
/// Every failure is thrown as an `AdapterError` carrying its class (see PROTOCOLS.md); anything else is treated as an
/// unclassified `network` failure and logged.
public protocol PlatformAdapter: AnyObject, Sendable {
    /// Connects and checks the credentials. Returns when the connection is usable.
    func connect() async throws
    /// Runs the connection (receive loop, heartbeats) until it drops — throwing an `AdapterError` — or until
    /// `disconnect()` is called, when it returns normally.
    func run() async throws
    /// Sends one message to `target` (a chat, channel or nick). Throws `AdapterError`.
    func send(_ message: OutgoingMessage) async throws -> SentMessage
    /// Closes the connection; makes `run()` return. Safe to call at any time, more than once.
    func disconnect() async
    /// The chats/channels known after connecting, for the channel directory.
    func channels() async -> [ChannelEntry]
}

/// A message to send.
public struct OutgoingMessage: Sendable, Equatable {
    public var target: String
    public var text: String
    /// The same on every attempt to send this message (the outbox sets it from the entry; at most 22 characters of
    /// `[0-9a-z.]`): an adapter whose platform deduplicates retries (Discord's `nonce`) passes it on. Nil for a
    /// direct send.
    public var deliveryKey: String?
    /// The id of the message this answers (an inbound message's `id`): the adapter threads the reply under it where
    /// the platform can (Telegram `reply_parameters`, Discord `message_reference`), and sends it unthreaded where it
    /// cannot (IRC) or when that message is gone.
    public var replyTo: String?

    public init(target: String, text: String, deliveryKey: String? = nil, replyTo: String? = nil) {
        self.target = target
        self.text = text
        self.deliveryKey = deliveryKey
        self.replyTo = replyTo
    }
}

/// What the platform said about a sent message.
public struct SentMessage: Sendable, Equatable {
    /// The platform's message ids (several when the text was split).
    public var ids: [String]

    public init(ids: [String]) { self.ids = ids }
}
