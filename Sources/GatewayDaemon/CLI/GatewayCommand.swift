import GatewayCore
import GatewayRuntime
import GatewayNetworking
import ArgumentParser
import Foundation
import GatewayStore

/// `gatewayd`: the root command.
public struct GatewayCommand: AsyncParsableCommand {
    public static let version = GatewayVersion.current

    public static let configuration = CommandConfiguration(
        commandName: "gatewayd",
        abstract: "Keeps a bot's connections to messaging platforms alive; the reconnect queue lives in one SQLite file.",
        version: "gatewayd \(version) (schema \(Store.schemaVersion))",
        subcommands: [
            RunCommand.self,
            DemoCommand.self,
            SendCommand.self,
            OutboxCommand.self,
            InboxCommand.self,
            MigrateCommand.self,
            StatusCommand.self,
            QueueCommand.self,
            EventsCommand.self,
            RetryCommand.self,
            PauseCommand.self,
            ResumeCommand.self,
            ResetCommand.self,
        ]
    )

    public init() {}
}

extension GatewayCommand {
    /// Parses the process arguments and runs the chosen subcommand (the executable's entry point).
    public static func runAsync() async {
        // A daemon writes to sockets and pipes whose other end may go away: that is an error to handle, not a
        // reason to die.
        signal(SIGPIPE, SIG_IGN)
        await main(nil)
    }
}
