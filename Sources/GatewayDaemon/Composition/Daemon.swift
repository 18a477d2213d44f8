import GatewayCore
import GatewayRuntime
import GatewayNetworking
import GatewayStore
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// The whole daemon, assembled in one place from a configuration: the runner (lease, reconciliation, reconnect
/// watcher), the delivery router, the outbox flusher, the inbox dispatcher, the alert manager and the HTTP face —
/// each a `Service` of one `ServiceGroup`.
///
/// ``assemble(config:store:parts:logger:)`` is the only composition root: `gatewayd run`, `gatewayd demo`, the test
/// harness and `gatewayd-bench` all call it, so what the tests exercise is what ships. (A router left unwired in
/// `run` once made `POST /v1/messages` answer 503 in the real daemon while every in-process test passed.)
///
/// ```swift
/// let daemon = Daemon.assemble(config: config, store: try Store(path: "gateway.db"), logger: logger)
/// try await daemon.run()   // until SIGTERM/SIGINT
/// ```
public struct Daemon: Sendable {
    public let config: GatewayConfig
    public let store: any DaemonStore
    public let runner: GatewayRunner
    public let alerter: AlertManager?
    /// The HTTP face's settings, when it serves.
    public let http: HTTPConfig?
    /// Opened once the HTTP face listens; the runner starts no attempt before (nil without the face).
    let facesUp: Readiness?
    /// What the HTTP face reads (also without the face: tests route requests to it in-process).
    public let source: StatusSource
    let parts: DaemonParts
    let logger: Logger

    /// Where messages are queued and sent: the same router `POST /v1/messages` uses.
    public var router: DeliveryRouter { runner.router }
    public var metrics: GatewayMetrics { runner.metrics }
    public var readiness: Readiness { runner.readiness }
    public var clock: any GatewayClock { parts.clock }

    /// Builds the daemon; nothing runs until ``run()``.
    /// - Parameters:
    ///   - config: the validated configuration.
    ///   - store: the opened database (the caller chose its path and checks): an SQLite `Store`, or a fleet daemon's
    ///     view of PostgreSQL (`FleetDaemonStore`, with `parts.fleet`).
    ///   - parts: the clock, adapters and signals (defaults: `gatewayd run`'s).
    ///   - logger: every part logs through it.
    public static func assemble(
        config: GatewayConfig, store: any DaemonStore, parts: DaemonParts = DaemonParts(), logger: Logger
    ) -> Daemon {
        let alerter = config.alerts.map { AlertManager(config: $0, store: store, clock: parts.clock, logger: logger) }
        let http = parts.serveHTTP ? (parts.http ?? config.http) : nil
        let facesUp = http.map { _ in Readiness() }
        let runner = GatewayRunner(
            config: config, store: store, clock: parts.clock, identity: parts.identity, factory: parts.factory,
            kinds: parts.kinds, sink: parts.sink, settings: parts.watcher, alerter: alerter, facesUp: facesUp,
            probing: parts.probing, fleet: parts.fleet, logger: logger)
        let source = StatusSource(
            store: store, metrics: runner.metrics, clock: parts.clock,
            stallAfterMillis: config.alerts?.stallAfterMillis ?? 30_000, readiness: runner.readiness,
            router: runner.router)
        return Daemon(
            config: config, store: store, runner: runner, alerter: alerter, http: http, facesUp: facesUp,
            source: source, parts: parts, logger: logger)
    }

    /// The HTTP routes over this daemon (served by ``run()`` when `http` is set; tests call them in-process too).
    public func routes() -> Router<BasicRequestContext> {
        StatusRoutes.router(source: source, token: http?.token ?? config.http?.token)
    }

    /// Every part, in start order; a graceful shutdown stops them in reverse (HTTP first, the runner — which closes
    /// the connections and releases the lease — last).
    func services() -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let readiness = runner.readiness
        let flusher = runner.flusher
        let dispatcher = runner.dispatcher
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            // When the runner ends (every platform needs a human under `when_all_failed: exit`), the rest stops too.
            .init(service: runner, successTerminationBehavior: .gracefullyShutdownGroup),
            .init(service: DaemonLoop(name: "outbox", readiness: readiness) { await flusher.run() }),
            .init(service: DaemonLoop(name: "inbox", readiness: readiness) { await dispatcher.run() }),
        ]
        if let alerter { services.append(.init(service: alerter)) }
        if let http, let facesUp {
            let onListening = parts.onHTTPListening
            let logger = logger
            let app = Application(
                router: routes(),
                configuration: .init(address: .hostname(http.host, port: http.port), serverName: "gatewayd"),
                onServerRunning: { channel in
                    let host = channel.localAddress?.ipAddress ?? http.host
                    let port = channel.localAddress?.port ?? http.port
                    logger.info("http face listening", metadata: ["http.host": "\(host)", "http.port": "\(port)"])
                    facesUp.markReady()
                    await onListening(host, port)
                },
                logger: logger)
            services.append(.init(service: app))
        }
        return services
    }

    /// Runs every part in one `ServiceGroup` until a shutdown signal, cancellation, or — under
    /// `when_all_failed: exit` — until nothing can connect (``GatewayRunner/outcome`` says which).
    /// - Throws: `StoreError.leaseHeld` when another live daemon uses the database; ``ListenError`` when the HTTP face
    ///   cannot listen (before any attempt); store errors.
    ///
    /// - Parameter signals: signals trapped before the daemon was assembled (`gatewayd run` traps SIGTERM/SIGINT as
    ///   its first act): one that already arrived — while the configuration was loading or the database being
    ///   verified — shuts the daemon down gracefully as soon as it starts, before any attempt.
    public func run(stoppingOn signals: UnixSignalsSequence? = nil) async throws {
        do {
            try await runGroup(stoppingOn: signals)
        } catch {
            guard let http, facesUp?.isReady == false, let failure = ListenError.from(error, host: http.host, port: http.port)
            else { throw error }
            throw failure
        }
    }

    private func runGroup(stoppingOn signals: UnixSignalsSequence?) async throws {
        let group = ServiceGroup(configuration: .init(
            services: services(), gracefulShutdownSignals: parts.shutdownSignals, logger: logger))
        // The group stops its services in reverse order, the runner last; but no new attempt may start once a
        // shutdown has begun (it may begin while the runner is still starting): the watcher is told at once.
        try await withGracefulShutdownHandler {
            guard let signals else {
                try await group.run()
                return
            }
            try await withThrowingDiscardingTaskGroup { tasks in
                tasks.addTask { [runner] in
                    for await signal in signals {
                        logger.info("shutting down", metadata: ["signal": "\(signal)"])
                        runner.holdAttempts()
                        await group.triggerGracefulShutdown()
                    }
                }
                try await group.run()
                tasks.cancelAll()
            }
        } onGracefulShutdown: { [runner] in
            runner.holdAttempts()
        }
    }
}
