import GatewayCore
import GatewayNetworking
import GatewayStore
import Logging
import ServiceLifecycle

/// Raises an alert once per incident — a platform down longer than `down_after`, exhausted, needing a human, or the
/// watcher stalled — and once when it recovers. Incidents are kept in the store, so a restart does not re-fire them.
/// Deliveries are retried with backoff on the injected clock and recorded in the platform's event history.
public actor AlertManager: Service {
    struct Pending {
        var alert: Alert
        var destination: Int
        var attempt: Int
        var dueAt: Int64
    }

    let config: AlertsConfig
    let store: any DaemonStore
    let clock: any GatewayClock
    let logger: Logger
    let destinations: [any AlertDelivering]
    let maxDeliveryAttempts: Int
    private let signal = WakeSignal()
    private var pending: [Pending] = []
    private var nextCheck: Int64?

    public init(
        config: AlertsConfig, store: any DaemonStore, clock: any GatewayClock, logger: Logger,
        destinations: [any AlertDelivering]? = nil, maxDeliveryAttempts: Int = 20
    ) {
        self.config = config
        self.store = store
        self.clock = clock
        self.logger = logger
        self.destinations = destinations ?? Self.destinations(for: config, clock: clock)
        self.maxDeliveryAttempts = maxDeliveryAttempts
    }

    static func destinations(for config: AlertsConfig, clock: any GatewayClock) -> [any AlertDelivering] {
        var result: [any AlertDelivering] = []
        if let webhook = config.webhook {
            result.append(WebhookDelivery(url: webhook, secret: config.secret, clock: clock, timeout: .seconds(10)))
        }
        if let command = config.command { result.append(CommandDelivery(command: command)) }
        return result
    }

    /// Sleeps until the next threshold crossing or delivery retry (or a nudge); no fixed tick.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop() }
    }

    private func loop() async {
        while !Task.isCancelled {
            await evaluate()
            await deliverDue()
            let wake = min(nextCheck ?? .max, pending.map(\.dueAt).min() ?? .max)
            await signal.wait(until: wake, clock: clock)
        }
    }

    /// Compares the store with the open incidents: opens (and fires) new ones, closes (and recovers) ended ones.
    public func evaluate() async {
        let now = clock.nowMillis()
        do {
            let wanted = try await currentIncidents(now: now)
            let open = try await store.openIncidents()
            for (incident, alert) in wanted where try await store.openIncident(incident) {
                enqueue(alert, now: now)
            }
            let wantedKeys = Set(wanted.map { "\($0.0.subject)\u{0}\($0.0.kind)" })
            for incident in open where !wantedKeys.contains("\(incident.subject)\u{0}\(incident.kind)") {
                guard try await store.closeIncident(subject: incident.subject, kind: incident.kind),
                      let kind = Alert.Kind(rawValue: incident.kind) else { continue }
                let platform = incident.subject == "daemon" ? nil : incident.subject
                enqueue(Alert(kind: kind, status: .recovered, platform: platform, state: nil, since: incident.openedAt,
                              at: now, detail: "recovered"), now: now)
            }
        } catch {
            logger.error("cannot evaluate alerts", metadata: ["error": "\(error)"])
        }
    }

    /// The incidents the store shows now, and when the next one could start.
    private func currentIncidents(now: Int64) async throws -> [(AlertIncident, Alert)] {
        var result: [(AlertIncident, Alert)] = []
        var next: Int64?
        func add(_ kind: Alert.Kind, _ subject: String?, state: String?, since: Int64, detail: String) {
            let incident = AlertIncident(subject: subject ?? "daemon", kind: kind.rawValue, openedAt: now, detail: detail)
            result.append((incident, Alert(kind: kind, status: .firing, platform: subject, state: state, since: since, at: now, detail: detail)))
        }
        for record in try await store.platforms() {
            let error = record.lastError.map { "\(record.lastErrorClass?.rawValue ?? "error"): \($0)" } ?? "no error recorded"
            switch record.state {
            case .needsAttention, .gaveUp:
                add(.needsAttention, record.name, state: record.state.rawValue, since: record.stateChangedAt, detail: error)
            case .backingOff, .connecting:
                if record.exhausted {
                    add(.exhausted, record.name, state: record.state.rawValue, since: record.stateChangedAt,
                        detail: "\(record.attempts) attempts failed; retrying at the slow cadence; \(error)")
                }
                let since = record.firstFailedAt ?? record.stateChangedAt
                if now - since >= config.downAfterMillis {
                    add(.down, record.name, state: record.state.rawValue, since: since,
                        detail: "not connected for \(DurationText.describe(millis: now - since)); \(error)")
                } else {
                    next = min(next ?? .max, since + config.downAfterMillis)
                }
            case .connected, .paused, .disabled:
                break
            }
        }
        if let watcherAt = try await store.daemonLease()?.watcherAt {
            if now - watcherAt >= config.stallAfterMillis {
                add(.watcherStalled, nil, state: nil, since: watcherAt,
                    detail: "the reconnect watcher's last heartbeat was \(DurationText.describe(millis: now - watcherAt)) ago")
            } else {
                next = min(next ?? .max, watcherAt + config.stallAfterMillis)
            }
        }
        nextCheck = next
        return result
    }

    private func enqueue(_ alert: Alert, now: Int64) {
        logger.warning("alert", metadata: [
            "alert.kind": "\(alert.kind.rawValue)", "alert.status": "\(alert.status.rawValue)",
            "platform.name": "\(alert.platform ?? "-")", "alert.detail": "\(alert.detail)",
        ])
        for index in destinations.indices { pending.append(Pending(alert: alert, destination: index, attempt: 1, dueAt: now)) }
        signal.nudge()
    }

    /// Delivers every due alert; failures are retried after 5 s, 10 s, 20 s, … (at most 5 min apart).
    private func deliverDue() async {
        let now = clock.nowMillis()
        let due = pending.filter { $0.dueAt <= now }
        pending.removeAll { $0.dueAt <= now }
        for item in due {
            let destination = destinations[item.destination]
            do {
                try await destination.deliver(item.alert)
                await record(item, sent: true, detail: "\(item.alert.summary) → \(destination.name)")
            } catch {
                let detail = "\(item.alert.summary) → \(destination.name) failed (attempt \(item.attempt)): \(error)"
                await record(item, sent: false, detail: detail)
                guard item.attempt < maxDeliveryAttempts else {
                    logger.error("alert delivery abandoned", metadata: ["alert.detail": "\(detail)"])
                    continue
                }
                var retry = item
                retry.attempt += 1
                retry.dueAt = clock.nowMillis() + min(5_000 << Int64(min(item.attempt - 1, 10)), 300_000)
                pending.append(retry)
            }
        }
    }

    private func record(_ item: Pending, sent: Bool, detail: String) async {
        if sent {
            logger.info("alert delivered", metadata: ["alert.detail": "\(detail)"])
        } else {
            logger.warning("alert delivery failed", metadata: ["alert.detail": "\(detail)"])
        }
        guard let platform = item.alert.platform else { return }
        do { try await store.recordAlertEvent(platform: platform, sent: sent, detail: detail) } catch {
            logger.error("cannot record the alert delivery", metadata: ["error": "\(error)"])
        }
    }

    /// Deliveries waiting for a retry (for tests).
    var pendingCount: Int { pending.count }

    /// Delivers what is due now, as the loop would (for tests driving the manager without its loop).
    func deliverForTest() async throws { await deliverDue() }
}
