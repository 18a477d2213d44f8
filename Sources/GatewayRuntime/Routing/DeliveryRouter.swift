import GatewayCore
import GatewayNetworking
import Foundation
import GatewayStore
import Logging

/// Routes outgoing messages, asking the store — the single source of truth — whether a platform is connected.
/// `submit` is durable: the message goes to the outbox and is sent at once when the platform is connected, or right
/// after it reconnects. Also keeps the channel directory: rebuilt and persisted after every (re)connect.
public struct DeliveryRouter: Sendable {
    let store: any DaemonStore
    let registry: ConnectionRegistry
    let clock: any GatewayClock
    let flusher: OutboxFlusher
    let channelDirectory: ChannelDirectory
    /// The platform kinds, for their target rules.
    let kinds: [PlatformKind]

    /// The longest text accepted (adapters split it to the platform's own limit).
    public static let maxTextBytes = 65_536

    init(store: any DaemonStore, registry: ConnectionRegistry, clock: any GatewayClock, flusher: OutboxFlusher, kinds: [PlatformKind]) {
        self.kinds = kinds
        self.store = store
        self.registry = registry
        self.clock = clock
        self.flusher = flusher
        channelDirectory = ChannelDirectory(store: store)
    }

    /// Queues `text` for `target` on `platform` and returns the outbox entry; nothing is dropped while the platform
    /// is down. Throws `DeliveryError` for bad input (nothing is queued then).
    public func submit(
        platform: String, target: String, text: String, ttlMillis: Int64? = nil, idempotencyKey: String? = nil,
        replyTo: String? = nil
    ) async throws -> OutboxEntry {
        let message = NewOutboxMessage(
            platform: platform, target: target, text: text, expiresAt: ttlMillis.map { clock.nowMillis() + $0 },
            idempotencyKey: idempotencyKey, replyTo: replyTo)
        return try await submit([message], itemized: false)[0]
    }

    /// Queues every message of `batch` in one transaction and returns their entries in order; nothing is queued
    /// when any item is invalid (`DeliveryError` naming the item, from 1, when `itemized`) or its platform is unknown
    /// or disabled. `itemized: false` is one message sent on its own: its errors name no item.
    public func submit(_ batch: [NewOutboxMessage], itemized: Bool = true) async throws -> [OutboxEntry] {
        let entries = try await Self.enqueue(store: store, kinds: kinds, batch: batch, itemized: itemized)
        flusher.nudge()
        return entries
    }

    /// The most messages one batch may hold.
    public static let maxBatchCount = 10_000

    /// Validates and enqueues one message; ``enqueue(store:kinds:batch:itemized:)`` with no item number.
    public static func enqueue(
        store: any DaemonStore, kinds: [PlatformKind], platform: String, target: String, text: String, expiresAt: Int64?,
        idempotencyKey: String?, replyTo: String? = nil
    ) async throws -> OutboxEntry {
        let message = NewOutboxMessage(
            platform: platform, target: target, text: text, expiresAt: expiresAt, idempotencyKey: idempotencyKey,
            replyTo: replyTo)
        return try await enqueue(store: store, kinds: kinds, batch: [message], itemized: false)[0]
    }

    /// Validates every item, then enqueues them all in ONE transaction (all or nothing). The one way into the outbox:
    /// the router's `submit`, `POST /v1/messages` and `gatewayd send` (which has no daemon in-process) all end here.
    /// With `itemized`, an error names its item (from 1); without, the batch is one message sent on its own.
    public static func enqueue(
        store: any DaemonStore, kinds: [PlatformKind], batch: [NewOutboxMessage], itemized: Bool = true
    ) async throws -> [OutboxEntry] {
        if batch.isEmpty { throw DeliveryError.invalid(platform: "", "the batch is empty") }
        if batch.count > maxBatchCount {
            throw DeliveryError.invalid(platform: "", "the batch holds \(batch.count) messages; the limit is \(maxBatchCount)")
        }
        func item(_ index: Int) -> String { itemized ? "message \(index + 1): " : "" }
        for (index, message) in batch.enumerated() {
            if let problem = validate(target: message.target, text: message.text, replyTo: message.replyTo) {
                throw DeliveryError.invalid(platform: message.platform, item(index) + problem)
            }
        }
        try await checkTargets(store: store, kinds: kinds, batch.map { ($0.platform, $0.target, $0.replyTo) }, item: item)
        do {
            return try await store.enqueue(batch)
        } catch let error as StoreError where [StoreError.Code.unknownPlatform, .illegalTransition].contains(error.code) {
            // The store names the refused item's platform in quotes.
            let name = batch.first { error.description.contains("'\($0.platform)'") }?.platform ?? ""
            if error.code == .unknownPlatform { throw DeliveryError.unknownPlatform(name) }
            throw DeliveryError.invalid(platform: name, "platform \(name) is disabled")
        }
    }

    /// Refuses a target its platform can never accept (``PlatformKind/targetProblem``), or a `reply_to` that can
    /// name none of its messages (``PlatformKind/replyToProblem``), naming the rule after `item(index)`. An unknown
    /// platform is left to the store, which refuses it.
    static func checkTargets(
        store: any DaemonStore, kinds: [PlatformKind], _ items: [(platform: String, target: String, replyTo: String?)],
        item: (Int) -> String
    ) async throws {
        var found: [String: PlatformKind?] = [:]
        for (index, entry) in items.enumerated() {
            if found[entry.platform] == nil {
                let type = try await store.platform(entry.platform)?.type
                found[entry.platform] = kinds.first { $0.type.rawValue == type }
            }
            guard let kind = found[entry.platform] ?? nil else { continue }
            if let problem = kind.targetProblem(entry.target) ?? entry.replyTo.flatMap(kind.replyToProblem) {
                throw DeliveryError.invalid(platform: entry.platform, item(index) + problem)
            }
        }
    }

    /// The longest `reply_to` accepted, in Unicode scalars (JSON Schema's `maxLength`): platform message ids are far
    /// shorter.
    public static let maxReplyToLength = 256

    /// What is wrong with a message, or nil.
    public static func validate(target: String, text: String, replyTo: String? = nil) -> String? {
        if let replyTo {
            if replyTo.trimmingCharacters(in: .whitespaces).isEmpty { return "reply_to is empty" }
            if replyTo.unicodeScalars.count > maxReplyToLength { return "reply_to is longer than \(maxReplyToLength) characters" }
            if replyTo.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) { return "reply_to contains a line break" }
        }
        if target.trimmingCharacters(in: .whitespaces).isEmpty { return "the target is empty" }
        if text.isEmpty { return "the text is empty" }
        if text.utf8.count > maxTextBytes { return "the text is \(text.utf8.count) bytes; the limit is \(maxTextBytes)" }
        if target.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) { return "the target contains a line break" }
        return nil
    }

    /// Sends `message` on `platform` now, bypassing the outbox, or throws `DeliveryError` saying why it cannot.
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

    /// After a (re)connect: the new connection's channels replace the directory.
    func rebuildDirectory(platform: String, from adapter: any PlatformAdapter, log: Logger) async {
        await channelDirectory.rebuild(platform: platform, from: adapter, log: log)
    }

    /// After inbound traffic: the adapter may know new chats.
    func refreshDirectory(platform: String, log: Logger) async {
        guard let adapter = await registry.adapter(for: platform) else { return }
        await channelDirectory.refresh(platform: platform, from: adapter, log: log)
    }
}

/// Why a message could not be sent now.
public struct DeliveryError: Error, Sendable, Equatable, CustomStringConvertible {
    public let platform: String
    public let state: PlatformState?
    public let description: String

    public var isUnknownPlatform: Bool { state == nil && description.hasPrefix("unknown platform") }

    static func unknownPlatform(_ name: String) -> DeliveryError {
        DeliveryError(platform: name, state: nil, description: "unknown platform '\(name)'")
    }

    static func invalid(platform: String, _ problem: String) -> DeliveryError {
        DeliveryError(platform: platform, state: nil, description: problem)
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
