import GatewayCore
import GatewayNetworking
import GatewayStore
import Logging

/// Sends the outbox through connected adapters, oldest first per platform, one message at a time per platform (so
/// each chat keeps its order). Each platform's queue is drained by a task of its own, so one platform's backlog, slow
/// sends or pacing never hold back another's (the `load` benchmark showed two bots sending nothing while the first
/// worked through its backlog). Woken by an enqueue, a (re)connect, an operator's write, a rate limit running out, or
/// a drain ending.
///
/// A message is marked `sending` (attempt counted) before the adapter is called, so a crash during the call sends it
/// again after the restart: at-least-once at the platform — exactly-once where the platform deduplicates by the
/// message's ``deliveryKey(_:)`` (Discord's `nonce`, within its window of a few minutes). A per-message refusal marks that message failed and the
/// queue goes on; a rate limit holds the queue back (not the connection); anything else leaves it queued, and that
/// platform's queue waits for a new connection, or on the same one 1 s, then 2, 4 … 60 s per failure in a row (a
/// platform answering every send with a 5xx while its connection stays up is not hammered; a link that dropped
/// under the send is not handed the message again before the watcher has seen the drop).
public actor OutboxFlusher {
    let store: any DaemonStore
    let registry: ConnectionRegistry
    let clock: any GatewayClock
    let logger: Logger
    let redactor: Redactor
    private let signal = WakeSignal()
    /// The platforms whose queue a drain task is working through (at most one per platform).
    private var draining: Set<String> = []
    /// The platforms whose last send failed on the connection, by the connection it failed on (its generation in
    /// the registry): not drained again on that connection before `until`.
    private var holds: [String: Hold] = [:]

    private struct Hold {
        let generation: UInt64
        var failures: Int
        var until: Int64
    }

    /// The wait after `failures` connection failures in a row on one connection: 1 s, doubling, at most 60 s.
    static func holdMillis(afterFailures failures: Int) -> Int64 { min(60_000, 1_000 << Int64(min(max(failures, 1) - 1, 6))) }

    init(store: any DaemonStore, registry: ConnectionRegistry, clock: any GatewayClock, logger: Logger, redactor: Redactor) {
        self.store = store
        self.registry = registry
        self.clock = clock
        self.logger = logger
        self.redactor = redactor
    }

    nonisolated func nudge() { signal.nudge() }

    /// The entry's key for every attempt to send it: its id and creation time (ms, modulo 36⁸ ms ≈ 89 years), base
    /// 36 — distinct across databases too (a reset database reuses ids, not at the same milliseconds). At most
    /// 13 + 1 + 8 characters, so an adapter can append a part number and stay within Discord's 25.
    static func deliveryKey(_ entry: OutboxEntry) -> String {
        let time = UInt64(bitPattern: entry.createdAt) % 2_821_109_907_456  // 36^8
        return String(UInt64(bitPattern: entry.id), radix: 36) + "." + String(time, radix: 36)
    }

    public func run() async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                let next = await flush(into: &group)
                await signal.wait(until: next ?? .max, clock: clock)
            }
            group.cancelAll()
        }
    }

    /// One pass over the waiting platforms: starts a drain for each connected platform that has none and is not
    /// held back; returns when a held-back queue may go on.
    private func flush(into group: inout DiscardingTaskGroup) async -> Int64? {
        var next: Int64?
        do {
            try await store.expireOutbox()
            for (platform, notBefore) in try await store.waitingOutbox() where !draining.contains(platform) {
                let now = clock.nowMillis()
                if let notBefore, notBefore > now {
                    next = min(next ?? .max, notBefore)
                    continue
                }
                if notBefore != nil { try await store.delayOutbox(platform: platform, until: nil) }
                guard try await store.platform(platform)?.state == .connected,
                      let (adapter, generation) = await registry.connection(for: platform) else { continue }
                if let hold = holds[platform] {
                    if hold.generation != generation {
                        holds[platform] = nil  // a new connection
                    } else if hold.until > now {
                        next = min(next ?? .max, hold.until)
                        continue
                    }
                }
                draining.insert(platform)
                group.addTask { await self.drainThenWake(platform, adapter: adapter, generation: generation) }
            }
        } catch {
            logger.error("cannot flush the outbox", metadata: ["error": "\(redactor.scrub("\(error)"))"])
        }
        return next
    }

    /// A platform's drain task: when it ends (queue empty, held back, connection gone), the next pass looks again —
    /// a held-back queue's time is in the store (`delayOutbox`), and a message enqueued meanwhile is not missed.
    private func drainThenWake(_ platform: String, adapter: any PlatformAdapter, generation: UInt64) async {
        do {
            try await drain(platform, adapter: adapter, generation: generation)
        } catch {
            logger.error("cannot flush the outbox", metadata: [
                "platform.name": "\(platform)", "error": "\(redactor.scrub("\(error)"))"])
        }
        draining.remove(platform)
        signal.nudge()
    }

    /// Sends `platform`'s queue until it is empty or something stops it (a rate limit holds it back until the time
    /// it recorded with `delayOutbox`).
    private func drain(_ platform: String, adapter: any PlatformAdapter, generation: UInt64) async throws {
        while !Task.isCancelled, let entry = try await store.nextOutbox(platform: platform) {
            if let expires = entry.expiresAt, expires <= clock.nowMillis() {
                try await store.updateOutbox(entry.id, to: .expired, error: "its TTL passed before it could be sent")
                continue
            }
            try await store.updateOutbox(entry.id, to: .sending)
            do {
                let sent = try await adapter.send(OutgoingMessage(
                    target: entry.target, text: entry.text, deliveryKey: Self.deliveryKey(entry), replyTo: entry.replyTo))
                try await store.updateOutbox(entry.id, to: .sent, platformIDs: sent.ids)
                holds[platform] = nil
            } catch {
                let failure = AdapterError.classify(error)
                let reason = redactor.scrub(failure.description)
                if failure.scope == .message {
                    try await store.updateOutbox(entry.id, to: .failed, error: reason)
                    logger.info("message refused by the platform", metadata: [
                        "platform.name": "\(platform)", "outbox.id": "\(entry.id)", "error": "\(reason)"])
                    continue
                }
                if failure.errorClass == .rateLimited {
                    let until = clock.nowMillis() + (failure.retryAfterMillis ?? 1_000)
                    try await store.updateOutbox(entry.id, to: .queued, error: "rate limited: \(reason)")
                    try await store.delayOutbox(platform: platform, until: until)
                    return
                }
                try await store.updateOutbox(entry.id, to: .queued, error: "waiting for the connection: \(reason)")
                hold(platform, generation: generation)
                return
            }
        }
    }

    /// Holds `platform`'s queue back on the connection `generation` after a send failed on it: longer for each
    /// failure in a row on the same connection.
    private func hold(_ platform: String, generation: UInt64) {
        let failures = (holds[platform].flatMap { $0.generation == generation ? $0.failures : nil } ?? 0) + 1
        let wait = Self.holdMillis(afterFailures: failures)
        holds[platform] = Hold(generation: generation, failures: failures, until: clock.nowMillis() + wait)
        logger.info("outbox held back after a failed send", metadata: [
            "platform.name": "\(platform)", "wait_ms": "\(wait)", "failures": "\(failures)"])
    }
}
