import ArgumentParser
import Foundation
import GatewayStore
import Logging
import ServiceLifecycle

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

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let gatewayConfig: GatewayConfig
        do {
            gatewayConfig = try GatewayConfig.load(path: config, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw StoreOptions.fail("\(error)", exitCode: Self.exitConfig)
        }
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "gatewayd")
        let path = storeOptions.db ?? gatewayConfig.database ?? storeOptions.path
        let store: Store
        do {
            store = try Store(path: path)
        } catch {
            throw StoreOptions.fail("\(error)", exitCode: StoreOptions.exitIOError)
        }
        let runner = GatewayRunner(config: gatewayConfig, store: store, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: runner, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch let error as StoreError where error.code == .leaseHeld {
            throw StoreOptions.fail(error.description, exitCode: Self.exitTempFail)
        } catch let error as StoreError {
            throw StoreOptions.fail(error.description, exitCode: StoreOptions.exitIOError)
        } catch let error as SQLiteError {
            throw StoreOptions.fail(error.description, exitCode: StoreOptions.exitIOError)
        }
        if case .nothingCanConnect(let rows)? = runner.outcome {
            var text = "gatewayd: every platform needs a human; exiting (when_all_failed: exit)\n"
            for row in rows { text += "  \(row.name): \(row.state.rawValue): \(row.lastError ?? "-")\n" }
            FileHandle.standardError.write(Data(text.utf8))
            throw ExitCode(Self.exitConfig)
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
