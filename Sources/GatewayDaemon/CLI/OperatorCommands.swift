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

/// The operator commands: each is one action of the state machine, through the store's operator API (SQLite) or
/// as the operator's authority (PostgreSQL).
enum OperatorVerb: String {
    case retry, pause, resume, reset

    var action: PlatformAction {
        switch self {
        case .retry: .retryNow
        case .pause: .pause
        case .resume: .resume
        case .reset: .reset
        }
    }

    func apply(to store: Store, platform: String, actor: Actor) async throws -> PlatformRecord {
        switch self {
        case .retry: try await store.retryNow(platform, actor: actor)
        case .pause: try await store.pause(platform, actor: actor)
        case .resume: try await store.resume(platform, actor: actor)
        case .reset: try await store.reset(platform, actor: actor)
        }
    }
}

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

    /// Opens the store (a SQLite file, or the fleet's PostgreSQL), applies `verb` as this operator, and prints the
    /// row's new state.
    func apply(_ verb: OperatorVerb, options: StoreOptions) async throws {
        if let location = try options.postgresLocation() {
            return try await applyInFleet(verb, location: location, options: options)
        }
        let (record, lease) = try await options.withStore { store in
            (try await verb.apply(to: store, platform: platform, actor: .operator(actorName)), try await store.daemonLease())
        }
        try show(verb, record: record, daemonAlive: DaemonView.isAlive(lease, now: SystemWallClock().nowMillis()))
    }

    /// The fleet's database: the operator writes the row from any host (audited as `operator:<name>`), whoever owns it.
    private func applyInFleet(_ verb: OperatorVerb, location: PostgresLocation, options: StoreOptions) async throws {
        let (record, fleet, row) = try await options.withFleetStore(location) { store in
            let record = try await store.apply(verb.action, to: platform, as: .operator(actorName))
            return (record, try await store.fleet(), try await store.record(platform))
        }
        let now = SystemWallClock().nowMillis()
        let owner = row.flatMap { FleetStatusView.owner($0, now: now) }
        try show(verb, record: record, daemonAlive: fleet.contains { $0.identity.owner == owner && FleetStatusView.isAlive($0, now: now) })
    }

    private func show(_ verb: OperatorVerb, record: PlatformRecord, daemonAlive: Bool) throws {
        let now = SystemWallClock().nowMillis()
        if json {
            print(JSONOutput.text(try JSONOutput.encode(PlatformJSON(record, now: now))))
        } else {
            print(OperatorView.render(command: verb.rawValue, record: record, now: now, daemonAlive: daemonAlive))
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
        try await arguments.apply(.retry, options: options)
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
        try await arguments.apply(.pause, options: options)
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
        try await arguments.apply(.resume, options: options)
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
        try await arguments.apply(.reset, options: options)
    }
}
