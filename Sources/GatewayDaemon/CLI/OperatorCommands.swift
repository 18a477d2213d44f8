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

    /// Opens the store, applies `change` as this operator, and prints the row's new state.
    func apply(
        _ command: String, options: StoreOptions,
        _ change: (Store, String, Actor) async throws -> PlatformRecord
    ) async throws {
        let (record, lease) = try await options.withStore { store in
            (try await change(store, platform, .operator(actorName)), try await store.daemonLease())
        }
        let now = SystemWallClock().nowMillis()
        if json {
            print(JSONOutput.text(try JSONOutput.encode(PlatformJSON(record, now: now))))
        } else {
            print(OperatorView.render(command: command, record: record, now: now, daemonAlive: DaemonView.isAlive(lease, now: now)))
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
        try await arguments.apply("retry", options: options) { try await $0.retryNow($1, actor: $2) }
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
        try await arguments.apply("pause", options: options) { try await $0.pause($1, actor: $2) }
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
        try await arguments.apply("resume", options: options) { try await $0.resume($1, actor: $2) }
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
        try await arguments.apply("reset", options: options) { try await $0.reset($1, actor: $2) }
    }
}
