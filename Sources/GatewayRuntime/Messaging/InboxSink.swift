import GatewayNetworking
import GatewayCore
import GatewayStore

/// The daemon's sink: writes the batch to the inbox and advances the cursors in one transaction (so the cursor is
/// never ahead of what is stored; a redelivered message is ignored by its id), then wakes the consumer dispatcher.
public struct InboxSink: InboundSink {
    let store: (any MessageStore)?
    let onStored: @Sendable (String) async -> Void

    /// - Parameter onStored: awaited with the platform's name after a batch added new messages.
    public init(store: (any MessageStore)?, onStored: @escaping @Sendable (String) async -> Void = { _ in }) {
        self.store = store
        self.onStored = onStored
    }

    public func handOff(platform: String, messages: [InboundMessage], cursors: [String: String]) async throws {
        guard let store else { return }
        let added = try await store.receive(platform: platform, messages.map(ReceivedMessage.init), cursors: cursors)
        if added > 0 { await onStored(platform) }
    }
}
