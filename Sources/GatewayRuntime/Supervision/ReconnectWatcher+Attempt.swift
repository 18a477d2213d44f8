import GatewayCore
import GatewayNetworking
import GatewayStore
import Logging

extension ReconnectWatcher {
    /// One connect attempt for a claimed row: make the adapter, connect under the deadline, record the outcome.
    func attempt(_ row: PlatformRecord) async {
        defer { attemptFinished(row.name) }
        var log = logger
        log[metadataKey: "platform.name"] = "\(row.name)"
        log[metadataKey: "reconnect.attempt"] = "\(row.attempts)"
        guard let config = platformConfig(row.name) else {
            await recordFailure(row.name, AdapterError(.auth, code: "config", message: "not in the configuration"), log: log)
            return
        }
        let context = AdapterContext(
            platform: row.name, store: store, clock: clock, logger: log, redactor: redactor, sink: sink)
        let adapter: any PlatformAdapter
        do {
            adapter = try await factory.makeAdapter(for: config, context: context)
        } catch {
            // A factory failure is a configuration problem: retrying cannot fix it, so it needs a human.
            let failure = (error as? AdapterError)
                ?? AdapterError(.auth, code: "adapter_unavailable", message: "cannot create the adapter: \(error)")
            log.error("cannot create the adapter", metadata: ["error": "\(redactor.scrub(failure.message))"])
            await recordFailure(row.name, failure, log: log)
            return
        }
        log.debug("connecting")
        let timeout = config.policy.connectTimeoutMillis
        switch await withDeadline(clock.nowMillis() + timeout, clock: clock, { try await adapter.connect() }) {
        case .finished(.success):
            await connected(row.name, adapter: adapter, log: log)
        case .finished(.failure(let error)):
            let classified = AdapterError.classify(error)
            if !classified.classified {
                log.warning("unclassified connect failure; treating it as network", metadata: ["error": "\(redactor.scrub(classified.message))"])
            }
            await recordFailure(row.name, classified, log: log)
        case .timedOut:
            Task { await adapter.disconnect() }  // a hung connect is abandoned, not awaited
            let error = AdapterError(.network, code: "timeout", message: "connect timed out after \(DurationText.describe(millis: timeout))")
            await recordFailure(row.name, error, log: log)
        }
    }

    private func connected(_ name: String, adapter: any PlatformAdapter, log: Logger) async {
        do {
            let record = try await store.recordSuccess(name, owner: owner, gate: pacer)
            log.debug("platform connected", metadata: ["platform.state": "connected", "reconnect.attempts": "\(record.attempts)"])
        } catch {
            await adapter.disconnect()
            if stopIfDatabaseFailure(error) { return }
            // Paused, or the lease was lost, while the attempt ran: the connection is not wanted.
            log.info("connected, but the attempt no longer holds the row; closing", metadata: ["error": "\(error)"])
            return
        }
        guard mayActOn(name) else {
            // In a fleet: the platform's lease stopped being safe while it connected (its next owner may start soon).
            await adapter.disconnect()
            log.warning("connected, but the platform's lease is no longer this daemon's; closing")
            return
        }
        let generation = await registry.wire(name, adapter: adapter)
        let task = Task { await self.runConnection(name, adapter: adapter, generation: generation, log: log) }
        await registry.attach(task, to: name, generation: generation)
        await router.rebuildDirectory(platform: name, from: adapter, log: log)
    }

    /// Runs a connected adapter until it drops; a drop is recorded (queued, or needs_attention) and wakes the watcher.
    private func runConnection(_ name: String, adapter: any PlatformAdapter, generation: UInt64, log: Logger) async {
        let dropped: AdapterError
        do {
            try await adapter.run()
            dropped = AdapterError(.network, code: "closed", message: "the connection closed")
        } catch {
            dropped = AdapterError.classify(error)
        }
        // Removed already: we closed it ourselves (pause, shutdown, replaced). Nothing to record.
        guard await registry.remove(name, generation: generation) else { return }
        if !dropped.classified {
            log.warning("unclassified disconnect; treating it as network", metadata: ["error": "\(redactor.scrub(dropped.message))"])
        }
        await adapter.disconnect()
        let failure = dropped.failure(now: clock.nowMillis(), redactor: redactor)
        do {
            let record = try await store.recordDisconnect(name, failure: failure)
            log.debug("platform disconnected", metadata: [
                "platform.state": "\(record.state.rawValue)", "error.class": "\(failure.errorClass.rawValue)",
                "error": "\(failure.message)", "reconnect.next_retry_at": "\(record.nextRetryAt.map(String.init) ?? "-")",
            ])
        } catch {
            log.error("cannot record the disconnect", metadata: ["error": "\(redactor.scrub("\(error)"))"])
            _ = stopIfDatabaseFailure(error)
        }
        signal.nudge()
    }

    private func recordFailure(_ name: String, _ error: AdapterError, log: Logger) async {
        let failure = error.failure(now: clock.nowMillis(), redactor: redactor)
        do {
            let record = try await store.recordFailure(name, owner: owner, failure: failure)
            log.debug("connect attempt failed", metadata: [
                "platform.state": "\(record.state.rawValue)", "error.class": "\(failure.errorClass.rawValue)",
                "error": "\(failure.message)", "reconnect.next_retry_at": "\(record.nextRetryAt.map(String.init) ?? "-")",
            ])
        } catch {
            if stopIfDatabaseFailure(error) { return }
            log.info("attempt failed, but it no longer holds the row", metadata: ["error": "\(error)"])
        }
    }
}
