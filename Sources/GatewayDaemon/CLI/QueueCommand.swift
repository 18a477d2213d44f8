import GatewayCore
import GatewayRuntime
import GatewayNetworking
import ArgumentParser
import GatewayStore

/// `gatewayd queue`: the reconnect queue, soonest first.
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Show the reconnect queue (platforms backing off), soonest first."
    )

    @OptionGroup var options: StoreOptions

    @Flag(name: .long, help: "Print JSON: {\"queue\": [...]}, times in Unix ms.")
    var json = false

    func run() async throws {
        let queue = try await options.withStore { try await $0.queue() }
        let now = SystemWallClock().nowMillis()
        if json {
            print(JSONOutput.text(try QueueView.json(queue: queue, now: now)))
        } else {
            print(QueueView.render(queue: queue, now: now, width: Terminal.outputWidth()))
        }
    }
}
