import Logging

/// Where an adapter's inbound positions live (the store, in the daemon): its own cursors, nothing else.
public protocol CursorStore: Sendable {
    func cursor(platform: String, key: String) async throws -> String?
    func setCursors(platform: String, _ values: [String: String]) async throws
}

/// The narrow view of the gateway an adapter gets: its own cursors, the clock, a logger. No SQL, no other platform.
public struct AdapterContext: Sendable {
    public let platform: String
    public let clock: any GatewayClock
    public let logger: Logger
    public let redactor: Redactor
    private let store: (any CursorStore)?
    private let sink: any InboundSink

    public init(
        platform: String, store: (any CursorStore)?, clock: any GatewayClock, logger: Logger, redactor: Redactor,
        sink: (any InboundSink)? = nil
    ) {
        self.platform = platform
        self.store = store
        self.clock = clock
        self.logger = logger
        self.redactor = redactor
        self.sink = sink ?? DiscardingSink()
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

/// Takes every batch and keeps nothing (an adapter run without a daemon: benchmarks, checks).
public struct DiscardingSink: InboundSink {
    public init() {}
    public func handOff(platform: String, messages: [InboundMessage], cursors: [String: String]) async throws {}
}
