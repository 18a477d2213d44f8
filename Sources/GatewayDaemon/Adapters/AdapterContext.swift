import GatewayStore
import Logging

/// The narrow view of the gateway an adapter gets: its own cursors, the clock, a logger. No SQL, no other platform.
public struct AdapterContext: Sendable {
    public let platform: String
    public let clock: any GatewayClock
    public let logger: Logger
    public let redactor: Redactor
    private let store: Store?
    private let sink: any InboundSink

    public init(
        platform: String, store: Store?, clock: any GatewayClock, logger: Logger, redactor: Redactor,
        sink: (any InboundSink)? = nil
    ) {
        self.platform = platform
        self.store = store
        self.clock = clock
        self.logger = logger
        self.redactor = redactor
        self.sink = sink ?? InboxSink(store: store)
    }

    /// Hands a received batch on, with the cursors that mark it consumed. When this returns the batch is safe; only
    /// then confirm it to the platform. Throws if it could not be handed on (the adapter must not advance).
    public func handOff(_ messages: [InboundMessage], cursors: [String: String]) async throws {
        try await sink.handOff(platform: platform, messages: messages, cursors: cursors)
    }

    /// A persisted inbound position (nil when none, or when running without a store).
    public func cursor(_ key: String) async throws -> String? {
        try await store?.cursor(platform: platform, key: key)
    }

    /// Persists inbound positions together, after the messages they cover were handed on.
    public func saveCursors(_ values: [String: String]) async throws {
        try await store?.setCursors(platform: platform, values)
    }
}
