import GatewayCore
import GatewayNetworking
import GatewayStore
import Logging
import Synchronization

/// How the watcher paces itself.
public struct WatcherSettings: Sendable {
    /// How often `PRAGMA data_version` is checked for writes by other processes (operator commands). The only
    /// periodic wake-up; it reads one header field, no table.
    public var pollIntervalMillis: Int64 = 1_000
    /// How often the daemon and watcher heartbeats are written.
    public var heartbeatIntervalMillis: Int64 = 5_000
    /// Added to the connect timeout to form an attempt's lease.
    public var leaseMarginMillis: Int64 = 5_000
    /// When a probe finds an endpoint back, its waiting platforms are due within this window (jittered); the login
    /// budget then paces them.
    public var probePullForwardWindowMillis: Int64 = 1_000

    public init() {}
}

/// Why the watcher stopped.
public enum WatcherOutcome: Sendable, Equatable {
    /// Shutdown was requested.
    case stopped
    /// Every platform needs a human (needs_attention, paused, gave_up or disabled) and the policy is `exit`.
    case nothingCanConnect([PlatformRecord])
}

/// Sleeps until the earliest due time in the store, or until nudged; then claims the due rows and attempts them
/// concurrently, each under its connect timeout. No fixed tick: the only periodic work is the `data_version` check.
actor ReconnectWatcher {
    let store: any DaemonStore
    let clock: any GatewayClock
    let owner: String
    /// The configured platforms, found by name through the plan's index (not a second copy of every entry: at
    /// 100,000 platforms a dictionary of configurations was 42 MB).
    let configs: [PlatformConfig]
    let configIndex: NameIndex
    let factory: any AdapterMaking
    let sink: any InboundSink
    let registry: ConnectionRegistry
    let router: DeliveryRouter
    let redactor: Redactor
    let logger: Logger
    let settings: WatcherSettings
    let whenAllFailed: WhenAllFailed
    let signal = WakeSignal()
    let tail: EventTail
    let metrics: GatewayMetrics
    let alerts: AlertManager?
    let flusher: OutboxFlusher
    let probing: any ReachabilityProbing
    let pacer: LoginPacer
    var probes: ProbeSchedule
    var probeTasks: [String: Task<Void, Never>] = [:]
    var random = SystemRandomNumberGenerator()
    var inFlight: [String: Task<Void, Never>] = [:]
    /// In a fleet: whether the daemon holds a platform's lease (nil: every platform is the daemon's).
    var holds: (@Sendable (String) -> Bool)?
    /// Set by ``requestStop()`` from any context, synchronously: a stop asked for before ``run()`` starts is seen
    /// by its first check, so it starts no attempt.
    private let stopRequested = Mutex(false)
    private var stopping: Bool { stopRequested.withLock { $0 } }
    /// Set by ``holdAttempts()``: a shutdown has begun; no new attempt starts, while the watcher keeps its place in
    /// the daemon's shutdown order.
    let attemptsHeld = Mutex(false)
    private var waiting = false
    private var sleepingUntil: Int64 = .min
    /// Evaluations so far (for tests and benchmarks: an idle watcher must not evaluate).
    private(set) var evaluations = 0
    /// Wake-ups so far, for any reason.
    private(set) var wakeups = 0
    private var warnedNothingCanConnect = false
    /// A database failure met off the loop (recording an attempt's outcome): the loop stops with it.
    private var fatal: (any Error)?

    init(
        store: any DaemonStore, clock: any GatewayClock, owner: String, config: GatewayConfig, factory: any AdapterMaking,
        sink: any InboundSink, registry: ConnectionRegistry, router: DeliveryRouter, logger: Logger, settings: WatcherSettings,
        metrics: GatewayMetrics, alerts: AlertManager?, flusher: OutboxFlusher, probing: any ReachabilityProbing,
        plan: SupervisionPlan
    ) {
        self.store = store
        self.clock = clock
        self.owner = owner
        configs = config.platforms
        configIndex = plan.configIndex
        self.factory = factory
        self.sink = sink
        self.registry = registry
        self.router = router
        redactor = Redactor(secrets: config.secrets)
        self.logger = logger
        self.settings = settings
        whenAllFailed = config.whenAllFailed
        self.metrics = metrics
        self.alerts = alerts
        self.flusher = flusher
        self.probing = probing
        pacer = LoginPacer(plan: plan)
        probes = ProbeSchedule(targets: plan.probeTargets)
        tail = EventTail(store: store, logger: logger, metrics: metrics)
    }

    func platformConfig(_ name: String) -> PlatformConfig? { configIndex[name].map { configs[$0] } }

    /// Marks where the transition log starts: call before the startup reconcile so its events are reported.
    func startReporting() async throws { try await tail.start() }

    /// Reports new transitions (log, metrics) and lets the alert manager look at the store.
    private func report() async {
        await tail.drain()
        await alerts?.evaluate()
        flusher.nudge()  // a reconnect, or a message queued by another process, may have work for it
    }

    /// Asks `run()` to return (graceful shutdown). Safe from any task.
    nonisolated func requestStop() {
        stopRequested.withLock { $0 = true }
        signal.nudge()
    }

    /// Starts no new attempt from now on (connections already up stay up until ``requestStop()``).
    nonisolated func holdAttempts() { attemptsHeld.withLock { $0 = true } }

    /// Wakes the watcher to re-evaluate now.
    nonisolated func nudge() { signal.nudge() }

    /// The loop. Returns when stopped, or when nothing can connect and the policy says exit.
    func run() async throws -> WatcherOutcome {
        var dataVersion = try await store.dataVersion()
        var lastHeartbeat: Int64?
        var nextDue: Int64 = .min  // evaluate at once
        var lastNow: Int64 = .min
        while !stopping && !Task.isCancelled {
            if let fatal { throw fatal }
            let now = clock.nowMillis()
            let clockMovedBack = try await adjustIfClockMovedBack(now: now, lastNow: lastNow)
            lastNow = now
            // A heartbeat "in the future" (the clock moved back) is rewritten at once, or it would look fresh for as
            // long as the clock was moved and hide a stalled watcher.
            if lastHeartbeat.map({ now - $0 >= settings.heartbeatIntervalMillis || now < $0 }) ?? true {
                try await store.heartbeat(owner: owner, watcher: true)
                lastHeartbeat = now
            }
            let version = try await store.dataVersion()
            // A daemon whose file was deleted or replaced would write on to an inode nobody reads: stop instead.
            try await store.checkFileStillInPlace()
            let external = version != dataVersion
            dataVersion = version
            if signal.consumeNudge() || external || clockMovedBack || now >= nextDue {
                if now >= nextDue && nextDue != .min { metrics.recordWatcherLag(millis: now - nextDue) }
                evaluations += 1
                try await supervise(externalWrite: external)
                if let stuck = try await nothingCanConnect() {
                    if whenAllFailed == .exit { return .nothingCanConnect(stuck) }
                    if !warnedNothingCanConnect {
                        logger.warning("every platform needs a human; staying up (when_all_failed: stay)")
                        warnedNothingCanConnect = true
                    }
                } else {
                    warnedNothingCanConnect = false
                }
                // Held: nothing will be claimed, so nothing is due (the poll and the heartbeat still wake it).
                nextDue = attemptsHeld.withLock({ $0 }) ? .max : try await store.nextWakeAt() ?? .max
                await report()
            }
            if stopping { break }
            try await scheduleProbes(now: now)
            let wake = min(
                nextDue, probes.nextWake ?? .max, now + settings.pollIntervalMillis,
                (lastHeartbeat ?? now) + settings.heartbeatIntervalMillis)
            sleepingUntil = wake
            waiting = true
            await signal.wait(until: wake, clock: clock)
            waiting = false
            wakeups += 1
        }
        return .stopped
    }

    /// The wall clock went back more than a second since the last turn (an NTP step, an operator's `date -s`): queued
    /// rows scheduled under the later clock have their waits shortened, as at startup. Without this, a clock moved
    /// back by a day would leave every queued platform waiting an extra day.
    private func adjustIfClockMovedBack(now: Int64, lastNow: Int64) async throws -> Bool {
        guard lastNow != .min, lastNow - now > 1_000 else { return false }
        let adjusted = try await store.adjustForClockJumps()
        logger.warning("the wall clock moved backwards; queued waits shortened to match", metadata: [
            "clock.moved_back_ms": "\(lastNow - now)", "platform.names": "\(adjusted.joined(separator: ","))",
        ])
        return true
    }

    /// One evaluation: requeue expired leases, forgive stable connections, start every due attempt, and drop
    /// adapters whose rows an operator changed.
    private func supervise(externalWrite: Bool) async throws {
        let expired = try await store.expireLeases()
        for name in expired { logger.warning("attempt lease expired", metadata: ["platform.name": "\(name)"]) }
        for name in try await store.stabilizeDue() {
            logger.debug("connection stable; backoff reset", metadata: ["platform.name": "\(name)"])
        }
        let held = attemptsHeld.withLock { $0 }
        let claimed = held ? [] : try await store.claimDue(owner: owner, limit: 1_000, leaseMarginMillis: settings.leaseMarginMillis, gate: pacer)
        // A row claimed just as its lease stopped being safe is left to its attempt lease (requeued when it expires).
        for row in claimed where inFlight[row.name] == nil && mayActOn(row.name) {
            inFlight[row.name] = Task { await self.attempt(row) }
        }
        if externalWrite { try await dropConnectionsNoLongerWanted() }
    }

    /// An operator paused or reset a connected platform from another process: close adapters whose row is no
    /// longer `connected`.
    private func dropConnectionsNoLongerWanted() async throws {
        for name in await registry.names {
            let state = try await store.platform(name)?.state
            if state != .connected {
                logger.info("closing connection: the platform is no longer connected in the store", metadata: [
                    "platform.name": "\(name)", "platform.state": "\(state?.rawValue ?? "missing")",
                ])
                await registry.disconnect(name)
            }
        }
    }

    private func nothingCanConnect() async throws -> [PlatformRecord]? {
        guard inFlight.isEmpty, try await !store.anyLive() else { return nil }
        return try await store.platforms()
    }

    /// Asleep until a time still ahead, with no attempt in flight (other than `ignoring`) and no wake-up pending:
    /// the gateway has settled and has seen the clock's current time.
    /// What `isSettled` looks at, for a test that timed out waiting for it.
    func settleReport() -> String {
        "waiting \(waiting), sleeping until \(sleepingUntil) (now \(clock.nowMillis())), pending wake \(signal.hasPendingWake), in flight \(inFlight.keys.sorted()), probes \(probeTasks.keys.sorted())"
    }

    func isSettled(ignoring: Set<String> = []) -> Bool {
        waiting && sleepingUntil > clock.nowMillis() && !signal.hasPendingWake
            && Set(inFlight.keys).subtracting(ignoring).isEmpty && probeTasks.isEmpty
    }

    /// Stops the loop with `error` when it is a database failure (the store cannot record what happened, so the daemon
    /// must not go on as if it had); returns whether it was one. Refusals by the state machine are not.
    func stopIfDatabaseFailure(_ error: any Error) -> Bool {
        guard error is SQLiteError || (error as? StoreError)?.code == .databaseFileGone else { return false }
        if fatal == nil { fatal = error }
        signal.nudge()
        return true
    }

    func attemptFinished(_ name: String) {
        inFlight[name] = nil
        signal.nudge()
    }

    /// Graceful shutdown: every connection and in-flight attempt is recorded as stopped (due at the next start),
    /// then closed. Hung attempts are abandoned, not awaited.
    func shutdown() async {
        for name in Set(await registry.names).union(inFlight.keys).sorted() {
            do { try await store.recordStopped(name, owner: owner) } catch {
                logger.error("cannot record the shutdown", metadata: ["platform.name": "\(name)", "error": "\(redactor.scrub("\(error)"))"])
            }
        }
        for task in inFlight.values { task.cancel() }
        for task in probeTasks.values { task.cancel() }
        await registry.disconnectAll()
        await tail.drain()
    }
}
