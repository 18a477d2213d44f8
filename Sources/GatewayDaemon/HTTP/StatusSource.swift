import GatewayCore
import GatewayRuntime
import GatewayNetworking
import GatewayStore
import Synchronization

/// What the HTTP face reads: the store (the single source of truth), the metrics, and whether startup finished.
public struct StatusSource: Sendable {
    let store: any DaemonStore
    let metrics: GatewayMetrics
    let clock: any GatewayClock
    /// A watcher heartbeat older than this is a stall: `/healthz` answers 503.
    let stallAfterMillis: Int64
    let readiness: Readiness
    /// Where `POST /v1/messages` queues messages (nil: the endpoint answers 503).
    let router: DeliveryRouter?

    public init(
        store: any DaemonStore, metrics: GatewayMetrics, clock: any GatewayClock, stallAfterMillis: Int64, readiness: Readiness,
        router: DeliveryRouter? = nil
    ) {
        self.router = router
        self.store = store
        self.metrics = metrics
        self.clock = clock
        self.stallAfterMillis = stallAfterMillis
        self.readiness = readiness
    }

    /// The watcher's heartbeat age, or nil when no daemon holds the lease or the watcher never beat.
    func watcherAgeMillis(_ lease: DaemonLease?, now: Int64) -> Int64? {
        (lease?.watcherAt).map { now - $0 }
    }
}
