import GatewayCore
import GatewayNetworking
import Foundation
import GatewayStore
import Logging
import ServiceLifecycle
import Synchronization
import CAllocator

/// How `gatewayd run` ended.
public enum RunOutcome: Sendable, Equatable {
    /// Stopped by a signal (or cancellation); state left consistent.
    case stopped
    /// Every platform needs a human and `when_all_failed` is `exit`: exit code 78, one line per platform.
    case nothingCanConnect([PlatformRecord])
}

/// The supervision core of the daemon: takes the single-instance lease, reconciles the configuration with the store,
/// and runs the reconnect watcher until shutdown. A `Service` of the group ``Daemon`` assembles — the only place that
/// builds one, so what `run`, `demo`, the tests and the benchmarks run is the same daemon.
public final class GatewayRunner: Service, Sendable {
    public let store: any DaemonStore
    public let router: DeliveryRouter
    /// The daemon's metrics (served on `/metrics` when the HTTP face is on).
    public let metrics: GatewayMetrics
    /// Ready once the lease is taken and the configuration reconciled.
    public let readiness = Readiness()
    let config: GatewayConfig
    let clock: any GatewayClock
    let identity: DaemonIdentity
    let logger: Logger
    private let watcher: ReconnectWatcher
    package let flusher: OutboxFlusher
    package let dispatcher: InboxDispatcher
    private let result = OutcomeBox()
    /// Each platform's endpoint by its position in the configuration, stored in its row at startup.
    private let endpoints: [String?]
    /// Opened when the daemon's faces are up (the HTTP face listens): no attempt starts before.
    private let facesUp: Readiness?
    /// In a fleet: the platform leases and the operator-write feed (nil on one daemon's SQLite file).
    private let fleet: FleetMembership?

    /// Built by ``Daemon/assemble(config:store:parts:logger:)`` only.
    package init(
        config: GatewayConfig,
        store: any DaemonStore,
        clock: any GatewayClock = SystemGatewayClock(),
        identity: DaemonIdentity = .current(),
        factory: any AdapterMaking,
        kinds: [PlatformKind],
        sink: (any InboundSink)? = nil,
        settings: WatcherSettings = WatcherSettings(),
        alerter: AlertManager? = nil,
        facesUp: Readiness? = nil,
        probing: any ReachabilityProbing,
        fleet: FleetMembership? = nil,
        logger: Logger
    ) {
        self.fleet = fleet
        let plan = SupervisionPlan(config: config, probing: probing, kinds: kinds)
        endpoints = plan.endpoints
        self.facesUp = facesUp
        self.config = config
        self.store = store
        self.clock = clock
        self.identity = identity
        self.logger = logger
        let registry = ConnectionRegistry()
        let redactor = Redactor(secrets: config.secrets)
        flusher = OutboxFlusher(store: store, registry: registry, clock: clock, logger: logger, redactor: redactor)
        dispatcher = InboxDispatcher(store: store, config: config.inbox, clock: clock, logger: logger)
        router = DeliveryRouter(store: store, registry: registry, clock: clock, flusher: flusher, kinds: kinds)
        let metrics = GatewayMetrics()
        self.metrics = metrics
        watcher = ReconnectWatcher(
            store: store, clock: clock, owner: identity.owner, config: config, factory: factory,
            sink: sink ?? InboxSink(store: store, onStored: { [dispatcher, router] platform in
                dispatcher.nudge()
                await router.refreshDirectory(platform: platform, log: logger)
            }), registry: registry, router: router, logger: logger, settings: settings,
            metrics: metrics, alerts: alerter, flusher: flusher, probing: probing, plan: plan)
    }

    /// How the last `run()` ended (nil while running).
    public var outcome: RunOutcome? { result.value }

    /// Runs until graceful shutdown, cancellation, or — under `when_all_failed: exit` — until nothing can connect.
    /// - Throws: `StoreError.leaseHeld` when another live daemon uses the database; store errors.
    public func run() async throws {
        try await store.acquireDaemonLease(identity, isAlive: processIsAlive)
        logger.info("daemon lease taken", metadata: ["daemon.pid": "\(identity.pid)", "daemon.host": "\(identity.host)"])
        try await watcher.startReporting()
        try await reconcile()
        // The outbox flusher and the inbox dispatcher (services of the daemon's group) wait for this.
        readiness.markReady()
        defer { readiness.markNotReady() }
        if let facesUp {
            // A face that cannot listen (its port in use) fails the daemon before any platform connects.
            do {
                try await cancelWhenGracefulShutdown { try await facesUp.waitUntilReady() }
            } catch {
                await watcher.shutdown()
                try? await store.releaseDaemonLease(owner: identity.owner)
                guard Task.isShuttingDownGracefully else { throw error }
                logger.info("stopped before any attempt; lease released")
                result.set(.stopped)
                return
            }
        }
        let session = await joinFleet()
        let outcome: WatcherOutcome
        do {
            outcome = try await withGracefulShutdownHandler {
                try await watcher.run()
            } onGracefulShutdown: { [watcher] in
                watcher.requestStop()
            }
        } catch {
            logger.error("stopping: the reconnect watcher failed", metadata: ["error": "\(error)"])
            await watcher.shutdown()
            await session?.stop()
            try? await store.releaseDaemonLease(owner: identity.owner)
            throw error
        }
        await watcher.shutdown()
        await session?.stop()
        try await store.releaseDaemonLease(owner: identity.owner)
        switch outcome {
        case .stopped:
            logger.info("stopped; connections closed and recorded, lease released")
            result.set(.stopped)
        case .nothingCanConnect(let rows):
            logger.error("every platform needs a human; exiting (when_all_failed: exit)")
            result.set(.nothingCanConnect(rows))
        }
    }

    /// In a fleet: starts keeping the daemon's platform leases and listening for operator writes; the watcher acts only
    /// on the platforms the keeper holds. A platform gained whose row says connected or connecting without a
    /// connection here (let go of when a renewal hung, or claimed back after its lease ran out) is recovered first.
    private func joinFleet() async -> FleetSession? {
        guard let fleet else { return nil }
        let owner = identity.owner
        let session = FleetSession(
            membership: fleet, identity: identity, clock: clock, logger: logger,
            onChange: { [watcher, dispatcher, logger] change in
                switch change {
                case .gained(let names):
                    let active = await watcher.active
                    let idle = names.filter { !active.contains($0) }
                    do {
                        let recovered = try await fleet.leases.recover(idle, for: owner)
                        if !recovered.isEmpty {
                            logger.info("fleet: recovered platforms left without a connection", metadata: [
                                "platforms": "\(recovered.joined(separator: ","))",
                            ])
                        }
                    } catch {
                        logger.warning("fleet: cannot recover platforms", metadata: ["error": "\(error)"])
                    }
                    watcher.nudge()
                    dispatcher.nudge()
                case .lost(let names, let reason):
                    await watcher.relinquish(names, reason: reason)
                }
            },
            onOperatorWrite: { [watcher] in watcher.nudge() })
        let keeper = session.keeper
        await watcher.actOnlyOn { keeper.holds($0) }
        return session
    }

    /// A shutdown has begun: start no further attempt (also when asked before the watcher runs). The runner still
    /// stops in its turn, closing the connections and releasing the lease.
    public func holdAttempts() { watcher.holdAttempts() }

    /// Wakes the watcher now (tests, and writes made in this process).
    public func nudge() { watcher.nudge() }

    /// Whether the watcher is asleep with nothing in flight (except the attempts on `ignoring`): for tests.
    public func isSettled(ignoring: Set<String> = []) async -> Bool { await watcher.isSettled(ignoring: ignoring) }
    func settleReport() async -> String { await watcher.settleReport() }

    /// (evaluations, wake-ups) of the watcher so far: an idle watcher wakes for its poll but does not evaluate.
    public func watcherCounters() async -> (evaluations: Int, wakeups: Int) {
        (await watcher.evaluations, await watcher.wakeups)
    }

    /// Reconciles the configuration with the store and logs what changed; then gives the memory the startup used
    /// (the parsed YAML, the specs) back to the system — at 100,000 platforms the parse peaks at ~150 MB, most of it
    /// freed but kept by the allocator.
    private func reconcile() async throws {
        var specs = zip(config.platforms, endpoints).map { platform, endpoint in platform.spec(endpoint: endpoint) }
        let report = try await store.startup(configured: specs)
        specs = []  // 16 MB at 100,000 platforms, otherwise held by this frame for the daemon's life
        log(report)
        _ = gatewayd_release_free_memory()
    }

    private func log(_ report: StartupReport) {
        let groups: [(String, [String])] = [
            ("added", report.added), ("resumed", report.resumed), ("staggered", report.staggered),
            ("interrupted", report.interrupted), ("credentials_changed", report.credentialsChanged),
            ("enabled", report.enabled), ("disabled", report.disabled), ("clock_adjusted", report.clockAdjusted),
        ]
        var metadata: Logger.Metadata = [:]
        // At most 20 names a group (100,000 names made one 800 KB log line); the count says how many there were.
        for (key, names) in groups where !names.isEmpty {
            let shown = names.prefix(20).joined(separator: ",")
            metadata["startup.\(key)"] = "\(names.count > 20 ? shown + ",… (\(names.count) in all)" : shown)"
        }
        logger.info("configuration reconciled with the store", metadata: metadata)
    }
}

extension PlatformConfig {
    /// The store's view of this platform: no secrets, only their fingerprint.
    func spec(endpoint: String?) -> PlatformSpec {
        PlatformSpec(
            name: name, type: type.rawValue, fingerprint: credentialFingerprint, enabled: enabled, policy: policy,
            endpoint: endpoint)
    }
}

extension DaemonIdentity {
    /// This process: a fresh owner id, its pid and the host name.
    public static func current() -> DaemonIdentity {
        DaemonIdentity(owner: UUID().uuidString, pid: Int64(getpid()), host: ProcessInfo.processInfo.hostName)
    }
}

/// Whether a process with this pid exists on this host (`kill(pid, 0)`; EPERM means it exists but is not ours).
@Sendable func processIsAlive(_ pid: Int64) -> Bool {
    guard pid > 0, pid <= Int64(Int32.max) else { return false }
    return kill(pid_t(pid), 0) == 0 || errno == EPERM
}

/// Holds the outcome across the `Service` boundary.
private final class OutcomeBox: Sendable {
    private let storage = Mutex<RunOutcome?>(nil)
    var value: RunOutcome? { storage.withLock { $0 } }
    func set(_ outcome: RunOutcome) { storage.withLock { $0 = outcome } }
}
