import GatewayCore
import GatewayRuntime
import GatewayNetworking
import ArgumentParser
import Foundation
import GatewayStore
import Logging
import Synchronization

/// `gatewayd demo`: simulated platforms on a real database file, with a live status view. No credentials needed.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Watch simulated platforms fail, back off and recover, on a real SQLite file (no credentials needed)."
    )

    @Option(name: .long, help: "The demo database (kept after the demo, so a second run resumes its schedule).")
    var db: String = "gatewayd-demo.db"

    @Option(name: .long, help: "How long to run, e.g. 20s.")
    var duration: String = "25s"

    static let yaml = """
        # The demo's configuration: a fast policy so a minute shows a whole story.
        reconnect: { base: 1s, factor: 2, cap: 8s, max_attempts: 20, jitter: 0.2, connect_timeout: 5s, stable_period: 30s }
        when_all_failed: stay
        platforms:
          healthy:  { type: simulated, script: "connect" }
          flaky:    { type: simulated, script: "fail network x2, then connect, drop after 4s, then fail server, then connect" }
          badtoken: { type: simulated, script: "fail auth", token: "demo-token-0000" }
        """

    func run() async throws {
        guard let millis = DurationText.millis(duration), millis > 0 else {
            throw ValidationError("--duration: '\(duration)' is not a duration (e.g. 20s, 1m)")
        }
        let config = try GatewayConfig.parse(yaml: Self.yaml, source: "demo", environment: [:])
        let existed = FileManager.default.fileExists(atPath: db)
        let store: Store
        do { store = try Store(path: db) } catch { throw StoreOptions.fail("\(error)", exitCode: StoreOptions.exitIOError) }
        let clock = SystemGatewayClock()
        var logger = Logger(label: "gatewayd.demo")
        logger.logLevel = .critical  // the live view shows the events instead
        // The same daemon `gatewayd run` is, without the HTTP face; Ctrl-C stops it gracefully.
        let daemon = Daemon.assemble(
            config: config, store: store, parts: DaemonParts(clock: clock, serveHTTP: false), logger: logger)
        let failure = Mutex<String?>(nil)
        let stopped = Mutex(false)
        let running = Task {
            do { try await daemon.run() } catch { failure.withLock { $0 = "\(error)" } }
            stopped.withLock { $0 = true }
        }

        print(existed
            ? "gatewayd demo: resuming the schedule stored in \(db)\n"
            : "gatewayd demo: three simulated platforms on a new database, \(db)\n")
        let end = clock.nowMillis() + millis
        let terminal = isatty(STDOUT_FILENO) == 1
        while clock.nowMillis() < end, !stopped.withLock({ $0 }) {
            if let message = failure.withLock({ $0 }) {
                throw StoreOptions.fail(message, exitCode: RunCommand.exitTempFail)
            }
            let frame = try await Self.frame(store: store, now: clock.nowMillis(), remaining: end - clock.nowMillis())
            print(terminal ? "\u{1B}[H\u{1B}[2J" + frame : frame + "\n")
            Terminal.flushOutput()
            try await Task.sleep(for: .seconds(terminal ? 1 : 5))
        }
        running.cancel()
        _ = await running.result
        print(try await Self.frame(store: store, now: clock.nowMillis(), remaining: 0))
        print("""

            The reconnect queue and its history are in \(db). Look at them with plain sqlite3:
              sqlite3 -header -column \(db) 'select * from reconnect_queue'
              sqlite3 -header -column \(db) 'select name, state, attempts, last_error from platforms'
              sqlite3 -header -column \(db) "select datetime(at/1000,'unixepoch') as utc, platform, kind, attempt, detail from platform_events order by id desc limit 15"
            Run `swift run gatewayd demo` again: the schedule resumes from the file — attempts and next retries \
            survive the restart.
            """)
    }

    static func frame(store: Store, now: Int64, remaining: Int64) async throws -> String {
        let rows = try await store.platforms()
        let events = try await store.events(limit: 8)
        var text = "gatewayd demo — \(UTCTime.iso8601(millis: now, fractional: false))"
        text += remaining > 0 ? "   (\(DurationText.describe(millis: remaining)) left; Ctrl-C stops)\n\n" : "   (done)\n\n"
        text += StatusView.render(records: rows, lease: try await store.daemonLease(), now: now)
        text += "\nLatest events:\n" + EventsView.render(events: events)
        return text
    }
}
