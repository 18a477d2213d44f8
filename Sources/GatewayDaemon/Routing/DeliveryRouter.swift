import GatewayStore
import Logging

/// Sends messages through connected adapters, asking the store — the single source of truth — whether a platform is
/// connected. Also keeps the channel directory: rebuilt and persisted after every (re)connect.
///
/// In this version a message for a platform that is not connected is refused with the reason and the next retry;
/// the durable outbox that holds it instead is a separate piece of work.
public struct DeliveryRouter: Sendable {
    let store: Store
    let registry: ConnectionRegistry
    let clock: any GatewayClock

    init(store: Store, registry: ConnectionRegistry, clock: any GatewayClock) {
        self.store = store
        self.registry = registry
        self.clock = clock
    }

    /// Sends `message` on `platform` now, or throws `DeliveryError` saying why it cannot.
    public func send(_ message: OutgoingMessage, on platform: String) async throws -> SentMessage {
        guard let record = try await store.platform(platform) else { throw DeliveryError.unknownPlatform(platform) }
        guard record.state == .connected, let adapter = await registry.adapter(for: platform) else {
            throw DeliveryError.notConnected(record, now: clock.nowMillis())
        }
        return try await adapter.send(message)
    }

    /// The known chats/channels, per platform, with when each list was built.
    public func directory(platform: String? = nil) async throws -> [ChannelDirectoryEntry] {
        try await store.channels(platform: platform)
    }

    func rebuildDirectory(platform: String, from adapter: any PlatformAdapter, log: Logger) async {
        let channels = await adapter.channels()
        do {
            try await store.replaceChannels(platform: platform, channels)
            log.debug("channel directory rebuilt", metadata: ["directory.channels": "\(channels.count)"])
        } catch {
            log.error("cannot persist the channel directory", metadata: ["error": "\(error)"])
        }
    }
}

/// Why a message could not be sent now.
public struct DeliveryError: Error, Sendable, Equatable, CustomStringConvertible {
    public let platform: String
    public let state: PlatformState?
    public let description: String

    static func unknownPlatform(_ name: String) -> DeliveryError {
        DeliveryError(platform: name, state: nil, description: "unknown platform '\(name)'")
    }

    static func notConnected(_ record: PlatformRecord, now: Int64) -> DeliveryError {
        let name = record.name
        let text: String
        switch record.state {
        case .backingOff:
            let due = record.nextRetryAt ?? now
            let when = due <= now ? "now" : "in \(DurationText.describe(millis: due - now))"
            text = "platform \(name) is backing off until \(UTCTime.iso8601(millis: due)) (\(when); attempt \(record.attempts + 1) next)"
        case .connecting:
            text = "platform \(name) is connecting (attempt \(record.attempts))"
        case .needsAttention:
            text = "platform \(name) needs attention: \(record.lastError ?? "credentials or configuration rejected")"
        case .paused:
            text = "platform \(name) is paused by an operator"
        case .gaveUp:
            text = "platform \(name) gave up after \(record.attempts) attempts"
        case .disabled:
            text = "platform \(name) is disabled"
        case .connected:
            text = "platform \(name) is connected in the store but has no live connection in this process"
        }
        return DeliveryError(platform: name, state: record.state, description: text)
    }
}
