import GatewayCore
import GatewayRuntime
import GatewayNetworking
import ArgumentParser
import GatewayStore

/// `gatewayd events [platform]`: the newest transitions and operator actions, oldest first.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Show the newest events (transitions and operator actions), oldest first."
    )

    @OptionGroup var options: StoreOptions

    @Argument(help: "Only this platform's events.")
    var platform: String?

    @Option(name: .long, help: "How many of the newest events to show.")
    var limit = 50

    @Flag(name: .long, help: "Print JSON: {\"events\": [...]}, times in Unix ms.")
    var json = false

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        let events = try await options.withStore { store -> [PlatformEvent]? in
            if let platform, try await store.platform(platform) == nil { return nil }
            return try await store.events(platform: platform, limit: limit)
        }
        guard let events else {
            throw StoreOptions.fail("no platform named '\(platform ?? "")' in the database", exitCode: ExitCode.failure.rawValue)
        }
        if json {
            print(JSONOutput.text(try EventsView.json(events: events)))
        } else {
            print(EventsView.render(events: events, width: Terminal.outputWidth()))
        }
    }
}
