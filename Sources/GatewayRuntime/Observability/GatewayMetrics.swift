import GatewayCore
import GatewayNetworking
import CoreMetrics
import GatewayStore
import Prometheus

/// The daemon's metrics, through swift-metrics into its own Prometheus registry (no global bootstrap: each runner,
/// and each test, has its own).
///
/// Counters move as transitions are read from the store's event history (`EventTail`), so they also count what an
/// operator did from another process. Gauges are refreshed from the store when `/metrics` is scraped.
public final class GatewayMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory

    public init() { factory = PrometheusMetricsFactory(registry: registry) }

    // MARK: - Counters, fed by the event history

    /// Records one event from `platform_events`.
    func record(_ event: PlatformEvent) {
        let platform = ("platform", event.platform)
        switch event.kind {
        case .attemptStarted:
            Counter(label: "gatewayd_connect_attempts_total", dimensions: [platform], factory: factory).increment()
        case .connected:
            Counter(label: "gatewayd_connects_total", dimensions: [platform], factory: factory).increment()
            if (event.attempt ?? 0) > 1 {
                Counter(label: "gatewayd_reconnects_total", dimensions: [platform], factory: factory).increment()
            }
        case .failed, .needsAttention, .gaveUp, .exhausted, .disconnected, .interrupted, .leaseExpired:
            guard let errorClass = event.errorClass else { return }
            let name = event.kind == .disconnected ? "gatewayd_disconnects_total" : "gatewayd_failures_total"
            Counter(label: name, dimensions: [platform, ("class", errorClass.rawValue)], factory: factory).increment()
        default:
            break
        }
    }

    /// One reachability probe of `endpoint` finished (`gatewayd_probes_total{endpoint,result}`), and whether the
    /// endpoint is reachable now (`gatewayd_endpoint_reachable{endpoint}`).
    func recordProbe(endpoint: String, reachable: Bool) {
        let dimension = ("endpoint", endpoint)
        Counter(
            label: "gatewayd_probes_total", dimensions: [dimension, ("result", reachable ? "reachable" : "unreachable")],
            factory: factory
        ).increment()
        Gauge(label: "gatewayd_endpoint_reachable", dimensions: [dimension], factory: factory).record(reachable ? 1 : 0)
    }

    /// Platforms pulled forward because their endpoint came back (`gatewayd_probe_pulled_forward_total{endpoint}`).
    func recordCameBack(endpoint: String, pulledForward: Int) {
        Counter(label: "gatewayd_probe_pulled_forward_total", dimensions: [("endpoint", endpoint)], factory: factory)
            .increment(by: pulledForward)
    }

    /// How late the watcher started work that was due (seconds).
    func recordWatcherLag(millis: Int64) {
        Gauge(label: "gatewayd_watcher_lag_seconds", factory: factory).record(Double(max(0, millis)) / 1000)
    }

    // MARK: - Gauges, refreshed at scrape time

    /// Sets the per-platform and daemon gauges from the store's rows, then renders the Prometheus text format.
    public func render(
        records: [PlatformRecord], lease: DaemonLease?, now: Int64, depths: [String: (inbox: Int, outbox: Int)] = [:]
    ) -> String {
        for record in records {
            let platform = ("platform", record.name)
            Gauge(label: "gatewayd_platform_up", dimensions: [platform], factory: factory)
                .record(record.state == .connected ? 1 : 0)
            for state in PlatformState.allCases {
                Gauge(label: "gatewayd_platform_state", dimensions: [platform, ("state", state.rawValue)], factory: factory)
                    .record(record.state == state ? 1 : 0)
            }
            Gauge(label: "gatewayd_platform_attempts", dimensions: [platform], factory: factory).record(record.attempts)
            let wait = record.nextRetryAt.map { max(0, Double($0 - now) / 1000) } ?? 0
            Gauge(label: "gatewayd_platform_next_retry_seconds", dimensions: [platform], factory: factory).record(wait)
            Gauge(label: "gatewayd_platform_exhausted", dimensions: [platform], factory: factory).record(record.exhausted ? 1 : 0)
            Gauge(label: "gatewayd_inbox_depth", dimensions: [platform], factory: factory).record(depths[record.name]?.inbox ?? 0)
            Gauge(label: "gatewayd_outbox_depth", dimensions: [platform], factory: factory).record(depths[record.name]?.outbox ?? 0)
        }
        Gauge(label: "gatewayd_reconnect_queue_depth", factory: factory)
            .record(records.filter { $0.state == .backingOff }.count)
        let watcherAge = (lease?.watcherAt).map { Double(now - $0) / 1000 } ?? -1
        Gauge(label: "gatewayd_watcher_heartbeat_age_seconds", factory: factory).record(watcherAge)
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
