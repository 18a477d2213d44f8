import GatewayCore
import GatewayRuntime
import GatewayNetworking
import ArgumentParser
import Foundation
import GatewayPostgres
import GatewayStore

/// `gatewayd status`: one row per platform and a line about the daemon. Exits 1 unless a daemon is alive and every
/// enabled platform is connected, so scripts and health checks can use it.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each platform's connection state, and whether a daemon is running.",
        discussion: """
            Exits 0 when a daemon is running and every enabled platform is connected, 1 otherwise. Works with or \
            without a running daemon. Colour only on a terminal (and never with NO_COLOR set).
            """
    )

    @OptionGroup var options: StoreOptions

    @Flag(name: .long, help: "Print JSON: {\"daemon\": {...} | null, \"platforms\": [...]}, times in Unix ms.")
    var json = false

    @Option(name: .long, help: "Refresh every N seconds until interrupted (e.g. --watch 2).")
    var watch: Double?

    func validate() throws {
        if let watch, !(watch >= 0.2 && watch <= 3_600) { throw ValidationError("--watch takes 0.2 to 3600 seconds") }
    }

    func run() async throws {
        if let watch {
            let terminal = isatty(STDOUT_FILENO) == 1
            while !Task.isCancelled {
                let screen = try await render()
                print(terminal ? "\u{1B}[H\u{1B}[2J" + screen.text : screen.text + "\n")
                Terminal.flushOutput()
                try await Task.sleep(for: .milliseconds(Int(watch * 1000)))
            }
            return
        }
        let screen = try await render()
        print(screen.text)
        if !screen.healthy { throw ExitCode.failure }
    }

    private func render() async throws -> (text: String, healthy: Bool) {
        if let location = try options.postgresLocation() { return try await renderFleet(location) }
        let (records, lease, depths, probes) = try await options.withStore { store in
            (try await store.platforms(), try await store.daemonLease(), try await store.messageDepths(),
             try await store.endpointProbes())
        }
        let now = SystemWallClock().nowMillis()
        let healthy = StatusView.isHealthy(records, lease: lease, now: now)
        if json { return (JSONOutput.text(try StatusView.json(records: records, lease: lease, now: now, probes: probes)), healthy) }
        let table = StatusView.render(records: records, lease: lease, now: now, width: Terminal.outputWidth(), depths: depths, probes: probes)
        return (Terminal.usesColour ? StatusView.colourStates(table) : table, healthy)
    }

    /// The fleet's database: its daemons, and each platform with its owner.
    private func renderFleet(_ location: PostgresLocation) async throws -> (text: String, healthy: Bool) {
        let (rows, fleet) = try await options.withFleetStore(location) { store in (try await store.records(), try await store.fleet()) }
        let now = SystemWallClock().nowMillis()
        let healthy = FleetStatusView.isHealthy(rows: rows, fleet: fleet, now: now)
        if json { return (try FleetStatusView.json(rows: rows, fleet: fleet, now: now), healthy) }
        let table = FleetStatusView.render(rows: rows, fleet: fleet, now: now, width: Terminal.outputWidth())
        return (Terminal.usesColour ? StatusView.colourStates(table) : table, healthy)
    }
}
