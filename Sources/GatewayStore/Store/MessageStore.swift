import GatewayCore

/// The daemon's messages, the same on every backend: the outbox (`POST /v1/messages` → the platform), the inbox
/// (the platform → the consumer's webhook) and the channel directory the router resolves names with.
///
/// On PostgreSQL the daemon's view sends and dispatches only for the platforms it owns (`waitingOutbox`,
/// `pendingInbox`), and stores a received batch only while it owns the platform — one sender and one dispatcher per
/// platform across the fleet, and a cursor never moved by a daemon that lost the platform.
public protocol MessageStore: Sendable {
    /// Enqueues a batch in one transaction, all or nothing (`StoreError.unknownPlatform`, `.illegalTransition`).
    func enqueue(_ batch: [NewOutboxMessage]) async throws -> [OutboxEntry]
    /// The platform's next message to send (the oldest queued or sending).
    func nextOutbox(platform: String) async throws -> OutboxEntry?
    /// Platforms (this daemon's) with messages waiting, and until when each is held back by a rate limit.
    func waitingOutbox() async throws -> [(platform: String, notBefore: Int64?)]
    /// Expires queued messages whose TTL passed; returns how many.
    @discardableResult
    func expireOutbox() async throws -> Int
    /// Moves a message on (`sending`, `sent`, `failed`, `expired`, back to `queued`).
    func updateOutbox(_ id: Int64, to state: OutboxEntry.State, platformIDs: [String], error: String?) async throws
    /// Holds back a platform's outbox until `until` (nil: no longer).
    func delayOutbox(platform: String, until: Int64?) async throws
    /// Per platform: messages not yet acknowledged by the consumer, and messages waiting to be sent.
    func messageDepths() async throws -> [String: (inbox: Int, outbox: Int)]

    /// Stores a received batch and the cursors that mark it consumed, in one transaction; returns how many were new.
    @discardableResult
    func receive(platform: String, _ messages: [ReceivedMessage], cursors: [String: String]) async throws -> Int
    /// The oldest undelivered messages (of this daemon's platforms), in arrival order.
    func pendingInbox(limit: Int) async throws -> [InboxEntry]
    /// Messages after `afterID`, of one platform or all.
    func inbox(platform: String?, afterID: Int64, limit: Int) async throws -> [InboxEntry]
    func markInboxDelivered(_ ids: [Int64]) async throws
    func markInboxFailed(_ id: Int64, error: String, nextAttemptAt: Int64) async throws
    /// Retention; returns how many messages went.
    @discardableResult
    func pruneInbox(deliveredBefore: Int64, undeliveredBefore: Int64?) async throws -> Int

    /// Replaces a platform's directory; returns the build time.
    @discardableResult
    func replaceChannels(platform: String, _ channels: [ChannelEntry]) async throws -> Int64
    /// Adds or updates entries of a platform's directory; returns the build time.
    @discardableResult
    func upsertChannels(platform: String, _ channels: [ChannelEntry]) async throws -> Int64
    /// The directory of one platform, or of all.
    func channels(platform: String?) async throws -> [ChannelDirectoryEntry]
}

extension MessageStore {
    public func updateOutbox(_ id: Int64, to state: OutboxEntry.State, platformIDs: [String] = []) async throws {
        try await updateOutbox(id, to: state, platformIDs: platformIDs, error: nil)
    }
    public func updateOutbox(_ id: Int64, to state: OutboxEntry.State, error: String) async throws {
        try await updateOutbox(id, to: state, platformIDs: [], error: error)
    }
    public func inbox(limit: Int) async throws -> [InboxEntry] { try await inbox(platform: nil, afterID: 0, limit: limit) }
}

extension Store: MessageStore {}
