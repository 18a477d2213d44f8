import Foundation

/// Runs one real `gatewayd run` with many simulated platforms that connect, stay up briefly, drop and reconnect
/// forever, until `cycles` connect/drop cycles are done; samples the process's RSS and open FDs and the size of the
/// event history as it goes; then stops it with SIGTERM.
final class SoakHarness {
    struct Settings {
        var platforms = 50
        var cycles: Int
        /// How often the process and the database are sampled.
        var sampleEvery: Duration = .milliseconds(50)
        /// Give up (and report) after this long.
        var timeout: Duration
        /// Samples wanted after the warm-up (the first fifth of the cycles): a fast run on an idle machine goes on
        /// past `cycles` until it has this many, so the trend has something to stand on.
        var minSamplesAfterWarmUp = 16
        var warmUpCycles: Int { cycles / 5 }
    }

    struct Report {
        var cycles = 0
        var seconds = 0.0
        var samples: [ProcessSample] = []
        /// Events in the table at the end, and the most any platform had at any sample.
        var eventsAtEnd = 0
        var maxEventsPerPlatform = 0
        var maxEventsTotal = 0
        var exitStatus: Int32 = -1
        var integrity: [String] = []
        var logTail = ""
    }

    /// Each cycle: the attempt connects, stays up 20 ms (past the 10 ms stable period, so the streak is forgiven and
    /// the reconnect is immediate), drops; the next attempt fails once (a network error, 10 ms backoff) — six
    /// events per cycle, so 200 cycles of one platform overflow its 1,000-event history.
    static func config(platforms: Int) -> String {
        var yaml = """
            reconnect: { base: 10ms, factor: 2, cap: 50ms, jitter: 0.2, stable_period: 10ms, connect_timeout: 2s }
            when_all_failed: stay
            platforms:

            """
        for index in 0..<platforms {
            yaml += "  s\(String(format: "%02d", index)): { type: simulated, script: \"connect, drop after 20ms, fail network, repeat\" }\n"
        }
        return yaml
    }

    let binary: URL
    let dir: URL
    let settings: Settings

    init(binary: URL, dir: URL, settings: Settings) {
        self.binary = binary
        self.dir = dir
        self.settings = settings
    }

    func run() async throws -> Report {
        let config = dir.appending(path: "soak.yaml")
        try Self.config(platforms: settings.platforms).write(to: config, atomically: true, encoding: .utf8)
        let db = dir.appending(path: "soak.db").path
        let probe = DatabaseProbe(path: db)
        let log = dir.appending(path: "daemon.log")
        let started = ContinuousClock.now
        let daemon = try DaemonProcess(binary: binary, config: config, db: db, logLevel: "warning", stderrFile: log)
        var report = Report()
        var lastID: Int64 = 0
        func enough() -> Bool {
            report.cycles >= settings.cycles
                && report.samples.filter { $0.cycles >= settings.warmUpCycles }.count >= settings.minSamplesAfterWarmUp
        }
        while !enough(), ContinuousClock.now - started < settings.timeout, daemon.process.isRunning {
            try? await Task.sleep(for: settings.sampleEvery)
            guard try probe.exists() && probe.hasSchema() else { continue }
            // A cycle is a drop of an established connection; new events only (the history is pruned behind us).
            let row = try probe.query("""
                SELECT coalesce(max(id), ?1), count(*) FILTER (WHERE kind = 'disconnected' AND from_state = 'connected')
                FROM platform_events WHERE id > ?1
                """, [String(lastID)])[0]
            lastID = Int64(row[0] ?? "") ?? lastID
            report.cycles += Int(row[1] ?? "") ?? 0
            let counts = try probe.eventCounts()
            report.maxEventsPerPlatform = max(report.maxEventsPerPlatform, counts.maxPerPlatform)
            report.maxEventsTotal = max(report.maxEventsTotal, counts.total)
            let seconds = Double((ContinuousClock.now - started) / .milliseconds(1)) / 1_000
            if let sample = ProcessSample.read(pid: daemon.pid, seconds: seconds, cycles: report.cycles) {
                report.samples.append(sample)
            }
        }
        report.seconds = Double((ContinuousClock.now - started) / .milliseconds(1)) / 1_000
        daemon.kill(SIGTERM)
        report.exitStatus = await daemon.finished().status
        report.integrity = try probe.integrityCheck()
        report.eventsAtEnd = try probe.eventCounts().total
        report.logTail = String(((try? String(contentsOf: log, encoding: .utf8)) ?? "").suffix(3_000))
        return report
    }
}
