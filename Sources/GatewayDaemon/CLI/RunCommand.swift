import GatewayCore
import GatewayRuntime
import GatewayNetworking
import ArgumentParser
import CAllocator
import Foundation
import GatewayPostgres
import GatewayStore
import Logging
import ServiceLifecycle
import UnixSignals

/// `gatewayd run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the gateway: connect every platform, reconnect the ones that drop.",
        discussion: """
            Exit codes: 0 stopped by SIGTERM/SIGINT; 74 the database cannot be used; 75 another gatewayd holds the \
            database; 78 the configuration is invalid, or every platform needs a human (when_all_failed: exit).
            """
    )

    /// sysexits.h: temporary failure (another daemon holds the lease; systemd may retry later).
    static let exitTempFail: Int32 = 75
    /// sysexits.h: configuration error. Also: nothing can connect without a human.
    static let exitConfig: Int32 = 78

    @OptionGroup var storeOptions: StoreOptions

    @Option(name: .long, help: "The YAML configuration file.")
    var config: String = "gatewayd.yaml"

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical (default: log.level, else info).")
    var logLevel: Logger.Level?

    @Option(name: .long, help: "logfmt or json (default: log.format, else logfmt).")
    var logFormat: LogConfig.Format?

    @Option(name: .long, help: "Serve health, status, metrics and the status page on HOST:PORT (default: http.listen; off unless set).")
    var http: String?

    func run() async throws {
        // Large blocks in pages of their own, returned when freed: a long-lived daemon's memory stays near what it
        // uses after a start-up that peaks (see CAllocator.h).
        _ = gatewayd_fix_mmap_threshold(128 * 1024)
        // Trapped first: a SIGTERM while the configuration loads or the database is verified stops the daemon
        // gracefully as soon as it is assembled, instead of killing it mid-start.
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        // The database's integrity check reads every page; when its path does not depend on the configuration (--db),
        // it runs on another thread while the configuration is parsed. A check that fails is made again before the
        // open, which refuses the file with the same error as ever.
        let earlyCheck = storeOptions.db.map { path in
            Task.detached(priority: .high) { try? Store.verify(path: path) }
        }
        let gatewayConfig: GatewayConfig
        do {
            gatewayConfig = try GatewayConfig.load(path: config, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw StoreOptions.fail("\(error)", exitCode: Self.exitConfig)
        }
        let redactor = Redactor(secrets: gatewayConfig.secrets)
        let level = logLevel ?? Logger.Level(rawValue: gatewayConfig.log.level) ?? .info
        let format = logFormat ?? gatewayConfig.log.format
        LoggingSystem.bootstrap { label in
            StructuredLogHandler(label: label, format: format, level: level, redactor: redactor)
        }
        let logger = Logger(label: "gatewayd")
        var httpConfig = gatewayConfig.http
        if let http {
            guard let (host, port) = HTTPConfig.listen(http) else {
                throw StoreOptions.fail("--http: '\(http)' is not HOST:PORT", exitCode: Self.exitConfig)
            }
            httpConfig = HTTPConfig(
                host: host, port: port, token: gatewayConfig.http?.token,
                allowUnauthenticated: gatewayConfig.http?.allowUnauthenticated ?? false)
            if let problem = httpConfig?.exposureProblem {
                throw StoreOptions.fail("--http: \(problem)", exitCode: Self.exitConfig)
            }
        }
        let path = storeOptions.db ?? gatewayConfig.database ?? storeOptions.path
        let parts = DaemonParts(http: httpConfig, shutdownSignals: [])
        let daemon: Daemon
        if let location = try StoreOptions.postgresLocation(path) {
            daemon = try await runInFleet(location, config: gatewayConfig, parts: parts, signals: signals, logger: logger)
        } else {
            daemon = try await runAlone(path, config: gatewayConfig, parts: parts, earlyCheck: earlyCheck, signals: signals, logger: logger)
        }
        if case .nothingCanConnect(let rows)? = daemon.runner.outcome {
            var text = "gatewayd: every platform needs a human; exiting (when_all_failed: exit)\n"
            for row in rows { text += "  \(row.name): \(row.state.rawValue): \(row.lastError ?? "-")\n" }
            FileHandle.standardError.write(Data(text.utf8))
            throw ExitCode(Self.exitConfig)
        }
    }
}

extension RunCommand {
    /// One daemon on its SQLite file.
    private func runAlone(
        _ path: String, config: GatewayConfig, parts: DaemonParts, earlyCheck: Task<Store.Verification?, Never>?,
        signals: UnixSignalsSequence, logger: Logger
    ) async throws -> Daemon {
        let store: Store
        let verification: Store.Verification
        do {
            // Verified before anything is written: a damaged file is refused, not written into.
            let early = path == storeOptions.db ? await earlyCheck?.value : nil
            verification = try early ?? Store.verify(path: path)
            store = try Store(path: path)
        } catch {
            throw StoreOptions.fail("\(error)", exitCode: StoreOptions.exitIOError)
        }
        logger.info("database opened", metadata: ["database": "\(path)", "check": "\(verification.logText)"])
        let daemon = Daemon.assemble(config: config, store: store, parts: parts, logger: logger)
        do {
            try await daemon.run(stoppingOn: signals)
            // A clean stop: the file is checked now, so that the next start need not (Store.stopVerified).
            let started = ContinuousClock.now
            let check = await store.stopVerified()
            Self.log(check, database: path, millis: Int((ContinuousClock.now - started) / .milliseconds(1)), logger: logger)
        } catch let error as ListenError {
            throw StoreOptions.fail(error.description, exitCode: error.isInUse ? Self.exitTempFail : Self.exitConfig)
        } catch let error as StoreError where error.code == .leaseHeld {
            throw StoreOptions.fail(error.description, exitCode: Self.exitTempFail)
        } catch let error as StoreError {
            await store.close()  // before exiting: see Store.close (a deleted or replaced file)
            throw StoreOptions.fail(error.description, exitCode: StoreOptions.exitIOError)
        } catch let error as SQLiteError {
            await store.close()
            throw StoreOptions.fail(error.description, exitCode: StoreOptions.exitIOError)
        }
        return daemon
    }

    /// The line the check at a clean stop leaves in the log: at error level when it found damage.
    private static func log(_ check: StopCheck, database: String, millis: Int, logger: Logger) {
        var metadata: Logger.Metadata = ["database": "\(database)", "millis": "\(millis)"]
        switch check {
        case .noted:
            logger.info("database checked at stop; the next start skips its check", metadata: metadata)
        case .damaged(let finding):
            metadata["error"] = "PRAGMA quick_check found damage: \(finding)"
            logger.error("database damaged, found by the check at stop; the next start refuses it until the file is restored or repaired", metadata: metadata)
        case .inUse:
            metadata["reason"] = "the file is in use by another process (a WAL with changes, or written during the check)"
            logger.info("database not noted as checked at stop; the next start checks it", metadata: metadata)
        case .failed(let reason):
            metadata["reason"] = "\(reason)"
            logger.info("database not noted as checked at stop; the next start checks it", metadata: metadata)
        }
    }

    /// One daemon of a fleet on PostgreSQL: it joins, supervises the platforms it holds the lease of, and gives them
    /// back when it stops. The server unreachable, or lost while running → exit 74 naming host:port.
    private func runInFleet(
        _ location: PostgresLocation, config: GatewayConfig, parts: DaemonParts, signals: UnixSignalsSequence,
        logger: Logger
    ) async throws -> Daemon {
        let database: PostgresStore
        do {
            database = try await PostgresStore(
                location: location, queryTimeoutMillis: config.fleet.queryTimeoutMillis, logger: logger)
        } catch {
            throw StoreOptions.fail("\(error)", exitCode: StoreOptions.exitIOError)
        }
        var parts = parts
        let view = FleetDaemonStore(store: database, daemon: parts.identity.owner)
        parts.fleet = FleetMembership(leases: database, operatorWrites: view, settings: config.fleet.keeperSettings)
        let daemon = Daemon.assemble(config: config, store: view, parts: parts, logger: logger)
        do {
            try await daemon.run(stoppingOn: signals)
        } catch let error as ListenError {
            await database.close()
            throw StoreOptions.fail(error.description, exitCode: error.isInUse ? Self.exitTempFail : Self.exitConfig)
        } catch let error as FleetStoreError {
            await database.close()
            throw StoreOptions.fail(error.description, exitCode: StoreOptions.exitIOError)
        } catch let error as StoreError {
            await database.close()
            throw StoreOptions.fail(error.description, exitCode: StoreOptions.exitIOError)
        }
        await database.close()
        return daemon
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LogConfig.Format: ExpressibleByArgument {}

extension Store.Verification {
    /// The `check` of the "database opened" log line.
    var logText: String {
        switch self {
        case .noFile: return "new file"
        case .unchangedSinceStop: return "skipped, unchanged since the last clean stop"
        case .checked: return "quick_check ok"
        }
    }
}
