import GatewayCore
import GatewayRuntime
import GatewayNetworking
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Foundation
import GatewayPostgres
import GatewayStore

// `gatewayd retry|pause|resume|reset <platform>`: operator writes to the store, audited in platform_events as
// `operator:<name>`. A running daemon notices the write (PRAGMA data_version) and acts on it.

/// `<platform>` and `--actor`, shared by the operator commands.
struct OperatorArguments: ParsableArguments {
    @Argument(help: "The platform's name, as in the configuration.")
    var platform: String

    @Option(name: .long, help: "Who acts, recorded in the event history (default: the Unix user).")
    var actor: String?

    @Flag(name: .long, help: "Print the platform's new row as JSON (the shape of one status --json platform).")
    var json = false

    func validate() throws {
        if let actor, actor.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--actor must not be empty")
        }
    }

    /// `--actor`, else `$USER`, else the password database's name for this uid, else "unknown".
    var actorName: String { actor ?? Self.unixUser() }

    static func unixUser() -> String {
        if let user = ProcessInfo.processInfo.environment["USER"], !user.isEmpty { return user }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name {
            let user = String(cString: name)
            if !user.isEmpty { return user }
        }
        return "unknown"
    }

    /// Opens the store, applies `change` (on PostgreSQL: `action`) as this operator, and prints the row's new state.
    func apply(
        _ command: String, _ action: PlatformAction, options: StoreOptions,
        _ change: (Store, String, Actor) async throws -> PlatformRecord
    ) async throws {
        if let location = try options.postgresLocation() {
            return try await applyInFleet(command, action, location: location, options: options)
        }
        let (record, lease) = try await options.withStore { store in
            (try await change(store, platform, .operator(actorName)), try await store.daemonLease())
        }
        try print(command, record: record, daemonAlive: DaemonView.isAlive(lease, now: SystemWallClock().nowMillis()))
    }

    /// The fleet's database: the operator writes the row from any host (audited as `operator:<name>`), whoever owns it.
    private func applyInFleet(_ command: String, _ action: PlatformAction, location: PostgresLocation, options: StoreOptions) async throws {
        let (record, fleet, row) = try await options.withFleetStore(location) { store in
            let record = try await store.apply(action, to: platform, as: .operator(actorName))
            return (record, try await store.fleet(), try await store.record(platform))
        }
        let now = SystemWallClock().nowMillis()
        let owner = row.flatMap { FleetStatusView.owner($0, now: now) }
        try print(command, record: record, daemonAlive: fleet.contains { $0.identity.owner == owner && FleetStatusView.isAlive($0, now: now) })
    }

    private func print(_ command: String, record: PlatformRecord, daemonAlive: Bool) throws {
        let now = SystemWallClock().nowMillis()
        if json {
            Swift.print(JSONOutput.text(try JSONOutput.encode(PlatformJSON(record, now: now))))
        } else {
            Swift.print(OperatorView.render(command: command, record: record, now: now, daemonAlive: daemonAlive))
        }
    }
}

/// `gatewayd retry <platform>`: attempt now (never before the server's not-before).
struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Make a platform due now (backing_off, needs_attention or gave_up; a paused one must be resumed)."
    )

    @OptionGroup var options: StoreOptions
    @OptionGroup var arguments: OperatorArguments

    func run() async throws {
        try await arguments.apply("retry", .retryNow, options: options) { try await $0.retryNow($1, actor: $2) }
    }
}

/// `gatewayd pause <platform>`: stop connecting it until `resume`.
struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Stop connecting a platform (a running daemon disconnects it) until resume."
    )

    @OptionGroup var options: StoreOptions
    @OptionGroup var arguments: OperatorArguments

    func run() async throws {
        try await arguments.apply("pause", .pause, options: options) { try await $0.pause($1, actor: $2) }
    }
}

/// `gatewayd resume <platform>`: undo `pause`; due now, attempts kept.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Undo pause: the platform is due now, its attempt count kept."
    )

    @OptionGroup var options: StoreOptions
    @OptionGroup var arguments: OperatorArguments

    func run() async throws {
        try await arguments.apply("resume", .resume, options: options) { try await $0.resume($1, actor: $2) }
    }
}

/// `gatewayd reset <platform>`: forget the failure streak and, unless connected, attempt now.
struct ResetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Forget a platform's failure streak (attempts, exhausted) and, unless connected, make it due now."
    )

    @OptionGroup var options: StoreOptions
    @OptionGroup var arguments: OperatorArguments

    func run() async throws {
        try await arguments.apply("reset", .reset, options: options) { try await $0.reset($1, actor: $2) }
    }
}
