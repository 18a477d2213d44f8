import GatewayCore
import GatewayNetworking
import GatewayStore
import Logging

/// Follows `platform_events` and reports each new transition exactly once: one info log line (constant message,
/// data in metadata), the metrics counters, and the alert manager. Because it reads the store, it also reports what
/// an operator changed from another process.
actor EventTail {
    private let store: any DaemonStore
    private let logger: Logger
    private let metrics: GatewayMetrics?
    private var lastID: Int64 = 0

    init(store: any DaemonStore, logger: Logger, metrics: GatewayMetrics?) {
        self.store = store
        self.logger = logger
        self.metrics = metrics
    }

    /// Starts after the newest existing event: history before this process is not replayed.
    func start() async throws { lastID = try await store.lastEventID() }

    /// Reports every event newer than the last one reported; returns them.
    @discardableResult
    func drain() async -> [PlatformEvent] {
        var reported: [PlatformEvent] = []
        while true {
            let batch: [PlatformEvent]
            do { batch = try await store.events(afterID: lastID, limit: 500) } catch {
                logger.error("cannot read the event history", metadata: ["error": "\(error)"])
                return reported
            }
            for event in batch {
                log(event)
                metrics?.record(event)
                lastID = event.id
            }
            reported += batch
            if batch.count < 500 { return reported }
        }
    }

    private func log(_ event: PlatformEvent) {
        var metadata: Logger.Metadata = [
            "platform.name": "\(event.platform)", "event.kind": "\(event.kind.rawValue)", "event.actor": "\(event.actor)",
        ]
        if let from = event.fromState { metadata["platform.from"] = "\(from.rawValue)" }
        if let to = event.toState { metadata["platform.state"] = "\(to.rawValue)" }
        if let attempt = event.attempt { metadata["reconnect.attempt"] = "\(attempt)" }
        if let errorClass = event.errorClass { metadata["error.class"] = "\(errorClass.rawValue)" }
        if let detail = event.detail { metadata["event.detail"] = "\(detail)" }
        logger.info("platform transition", metadata: metadata)
    }
}
