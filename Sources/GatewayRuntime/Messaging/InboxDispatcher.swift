import GatewayCore
import GatewayNetworking
import AsyncHTTPClient
import Foundation
import GatewayStore
import Logging
import NIOCore

/// Hands the inbox to the consumer's webhook in arrival order — POST JSON with an `Idempotency-Key` header
/// (`<platform>:<message id>`), signed with `inbox.secret` when set (``WebhookSignature``), acknowledged by any
/// 2xx — retrying the head of the queue with backoff until it is
/// acknowledged: at-least-once, never lost. Also applies the retention.
public actor InboxDispatcher {
    let store: any DaemonStore
    let config: InboxConfig
    let clock: any GatewayClock
    let logger: Logger
    let post: @Sendable (String, Data, String) async throws -> Void
    private let signal = WakeSignal()
    private var nextPrune: Int64 = .min

    init(
        store: any DaemonStore, config: InboxConfig, clock: any GatewayClock, logger: Logger,
        post: (@Sendable (String, Data, String) async throws -> Void)? = nil
    ) {
        self.store = store
        self.config = config
        self.clock = clock
        self.logger = logger
        self.post = post ?? { [secret = config.secret] url, body, key in
            try await WebhookPost(url: url, secret: secret, clock: clock, timeout: .seconds(10), label: "consumer webhook")
                .send(body, headers: [("Idempotency-Key", key)])
        }
    }

    /// New messages are stored: deliver them, and keep the retention timer armed.
    nonisolated func nudge() { signal.nudge() }

    public func run() async {
        while !Task.isCancelled {
            let next = await dispatch()
            await signal.wait(until: min(next ?? .max, nextPrune), clock: clock)
        }
    }

    /// Delivers pending messages in order until one fails; returns when to try again (nil: nothing pending).
    @discardableResult
    func dispatch() async -> Int64? {
        let now = clock.nowMillis()
        if now >= nextPrune { await prune(now: now) }
        if nextPrune == .max, (try? await store.inbox(limit: 1).isEmpty) == false { nextPrune = now + 3_600_000 }
        guard let webhook = config.webhook else { return nil }
        do {
            while !Task.isCancelled {
                let batch = try await store.pendingInbox(limit: 100)
                if batch.isEmpty { return nil }
                for entry in batch {
                    if let at = entry.nextAttemptAt, at > clock.nowMillis() { return at }
                    do {
                        try await post(webhook, Self.body(entry), "\(entry.platform):\(entry.messageID)")
                        try await store.markInboxDelivered([entry.id])
                    } catch {
                        let wait: Int64 = min(1_000 << Int64(min(entry.attempts, 8)), 300_000)
                        let at = clock.nowMillis() + wait
                        try await store.markInboxFailed(entry.id, error: "\(error)", nextAttemptAt: at)
                        logger.warning("inbox consumer did not acknowledge; retrying", metadata: [
                            "platform.name": "\(entry.platform)", "inbox.id": "\(entry.id)", "error": "\(error)",
                            "inbox.retry_in_ms": "\(wait)"])
                        return at
                    }
                }
            }
        } catch {
            logger.error("cannot read the inbox", metadata: ["error": "\(error)"])
        }
        return nil
    }

    /// Applies the retention, and arms the next pass an hour later — only while the inbox holds anything, so an
    /// idle daemon has no timer for it (a new message nudges the dispatcher, which re-arms it).
    private func prune(now: Int64) async {
        do {
            let removed = try await store.pruneInbox(
                deliveredBefore: now - config.retentionMillis,
                undeliveredBefore: config.webhook == nil ? now - config.retentionMillis : nil)
            if removed > 0 { logger.info("inbox retention applied", metadata: ["inbox.removed": "\(removed)"]) }
            nextPrune = try await store.inbox(limit: 1).isEmpty ? .max : now + 3_600_000
        } catch {
            logger.error("cannot apply the inbox retention", metadata: ["error": "\(error)"])
            nextPrune = now + 3_600_000
        }
    }

    /// The consumer's JSON for one message (`InboxMessage` in openapi.json): every key always present, null when
    /// the platform did not say.
    public static func body(_ entry: InboxEntry) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(InboxMessageBody(entry))) ?? Data()
    }
}
