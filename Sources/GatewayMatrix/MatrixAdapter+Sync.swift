import GatewayCore
import Logging

extension MatrixAdapter {
    /// Syncs until `disconnect()` (returns) or a failure (throws the classified `AdapterError`).
    public func run() async throws {
        guard isConnected else { return }
        defer { state.withLock { $0.connected = false } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.syncLoop() }
            group.addTask { await self.closed.waitIgnoringCancellation() }
            defer {
                closed.open()  // releases the latch child whichever child finished first
                group.cancelAll()
            }
            try await group.next()
        }
    }

    /// `/sync` from the current `since`, again and again; hands each batch on before syncing from its `next_batch`.
    func syncLoop() async throws {
        var overruns = 0
        while !closed.isOpen {
            let since = state.withLock { $0.since }
            let batch: MatrixSync
            do {
                batch = try await rawSync(since: since, timeoutMillis: settings.syncTimeoutMillis, filter: MatrixFilter.live)
            } catch let failure as MatrixFailure where failure.isSyncDeadline {
                overruns += 1
                guard overruns < 2 else {
                    throw AdapterError(
                        .network, code: "sync_deadline",
                        message: "sync: two long polls in a row passed their deadline of \(DurationText.describe(millis: settings.syncDeadlineMillis)); the link looks dead")
                }
                logger.notice("sync passed its deadline; syncing again from the same position", metadata: [
                    "matrix.deadline": "\(DurationText.describe(millis: settings.syncDeadlineMillis))",
                ])
                continue
            } catch let failure as MatrixFailure {
                throw classified(failure)
            }
            overruns = 0
            try await deliver(batch)
            try await joinInvites(batch)
        }
    }

    /// Hands a batch's messages on with its `next_batch` in one hand-off (one transaction); advances `since` only once
    /// the hand-off returned.
    func deliver(_ batch: MatrixSync) async throws {
        remember(batch)
        let own = state.withLock { $0.userID }
        var messages: [InboundMessage] = []
        for (room, joined) in batch.joined.sorted(by: { $0.key < $1.key }) {
            for event in joined.timeline {
                if let message = MatrixInbound.message(from: event, room: room, ownUser: own, platform: context.platform) {
                    messages.append(message)
                }
            }
        }
        guard !messages.isEmpty else {
            // Nothing to store: advance in memory only — no write per idle long poll. After a restart the stored
            // (older) `since` yields the same batches again, which hold no message either.
            state.withLock { $0.since = batch.nextBatch }
            return
        }
        try await handOff(messages, next: batch.nextBatch)
        state.withLock { $0.since = batch.nextBatch }
        logger.debug("matrix messages handed on", metadata: ["matrix.messages": "\(messages.count)"])
    }
}
