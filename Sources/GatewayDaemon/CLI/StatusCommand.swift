import ArgumentParser
import GatewayStore

/// `gatewayd status`: one row per platform and a line about the daemon. Exits 1 unless every enabled platform is
/// connected, so scripts and health checks can use it.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each platform's connection state, and whether a daemon is running.",
        discussion: "Exits 0 when every enabled platform is connected, 1 otherwise. Works with or without a running daemon."
    )

    @OptionGroup var options: StoreOptions

    @Flag(name: .long, help: "Print JSON: {\"daemon\": {...} | null, \"platforms\": [...]}, times in Unix ms.")
    var json = false

    func run() async throws {
        let (records, lease) = try await options.withStore { store in
            (try await store.platforms(), try await store.daemonLease())
        }
        let now = SystemWallClock().nowMillis()
        if json {
            print(JSONOutput.text(try StatusView.json(records: records, lease: lease, now: now)))
        } else {
            print(StatusView.render(records: records, lease: lease, now: now, width: Terminal.outputWidth()))
        }
        if !StatusView.isHealthy(records, lease: lease, now: now) { throw ExitCode.failure }
    }
}
