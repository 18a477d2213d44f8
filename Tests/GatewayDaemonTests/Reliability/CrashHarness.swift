import Foundation
import GatewayCore
import GatewayRuntime
import GatewayTelegram
import GatewayDaemon
import GatewayStore

/// Runs the real `gatewayd run` against flapping simulated platforms and the local Telegram server with faults,
/// SIGKILLs it at seeded random moments and restarts it, `kills` times; after every kill it checks the file (integrity,
/// rows, history — `CrashLedger`); at the end one clean run drains everything and the messages are accounted for.
///
/// The seed fixes the kill moments, the pauses between runs and the fault schedule; the interleaving with the
/// daemon's own timing is real time and so not reproducible to the millisecond.
final class CrashHarness {
    struct Settings {
        var kills: Int
        var seed: UInt64
        /// A kill lands uniformly in [0, this] ms after the process was started: before the lease, mid-startup, in
        /// the middle of attempts, sends and polls.
        var maxRunMillis = 1_500
        /// Pause between a kill and the restart, uniformly in [0, this] ms (lets rows become overdue: staggering).
        var maxPauseMillis = 300
    }

    struct Report {
        var kills = 0
        var killedBeforeSchema = 0
        var exitedByThemselves: [String] = []
        var ledger: CrashLedger.Stats
        var violations: [String]
        var outbound: MessageAccount
        var inbound: (enqueued: Int, stored: Int)
        var faults: [String: Int]
        var seconds: Double
        /// How long the clean run took to send and store everything.
        var drainSeconds = 0.0
    }

    let binary: URL
    let dir: URL
    let settings: Settings
    let db: String
    let probe: DatabaseProbe
    private let log: URL

    init(binary: URL, dir: URL, settings: Settings) {
        self.binary = binary
        self.dir = dir
        self.settings = settings
        db = dir.appending(path: "gateway.db").path
        probe = DatabaseProbe(path: db)
        log = dir.appending(path: "daemon.log")
    }

    /// The platforms, and what each exercises:
    /// - `out` takes the outbox traffic; up 400 ms (past its 300 ms stable period: the streak is forgiven on the
    ///   drop), then one network failure; its recoveries from a network failure pull the others forward;
    /// - `flap`: two network failures, up 300 ms (short of the stable period: the streak grows), drops with `server`;
    /// - `slow`: a 700 ms `retry_after` (a persisted `not_before`), then up 900 ms (a `stable` event on the way);
    /// - `hang`: an attempt that hangs until the 1 s connect timeout (so kills find it `connecting`), then up 200 ms;
    ///   exhausted after 6 attempts, so it waits at the 8 s slow cadence and gets pulled forward;
    /// - `stuck`: always fails (`server`), exhausted after 3; `auth`: `needs_attention` at once, never retried;
    /// - `tg`: the local Telegram server, with the faults `CrashTraffic` injects and the inbound updates it queues.
    /// The clean configuration is the same with every flapping script replaced by `connect`.
    static func config(telegramBase: String, sentLog: String, clean: Bool) -> String {
        func script(_ flapping: String) -> String { clean ? "connect" : flapping }
        return """
            reconnect: { base: 200ms, factor: 2, cap: 1s, jitter: 0.2, connect_timeout: 1s, stable_period: 500ms, slow_interval: 8s }
            when_all_failed: stay
            platforms:
              out:   { type: simulated, script: "\(script("connect, drop after 400ms, fail network, repeat"))", sent_log: "\(sentLog)", send_delay: 5ms, reconnect: { stable_period: 300ms } }
              flap:  { type: simulated, script: "\(script("fail network x2, connect, drop after 300ms with server, repeat"))" }
              slow:  { type: simulated, script: "\(script("retry-after 700ms, connect, drop after 900ms, repeat"))" }
              hang:  { type: simulated, script: "\(script("hang, connect, drop after 200ms, repeat"))", reconnect: { max_attempts: 6 } }
              stuck: { type: simulated, script: "fail server", reconnect: { max_attempts: 3 } }
              auth:  { type: simulated, script: "fail auth" }
              tg:    { type: telegram, token: "\(telegramTestToken)", api_base: "\(telegramBase)", poll_timeout: 1s, request_timeout: 2s }
            """
    }

    func run() async throws -> Report {
        let started = ContinuousClock.now
        let sentLog = dir.appending(path: "sent.log").path
        let telegram = try await TelegramTestServer.start(token: telegramTestToken)
        let flapping = dir.appending(path: "flapping.yaml")
        let clean = dir.appending(path: "clean.yaml")
        try Self.config(telegramBase: telegram.apiBase, sentLog: sentLog, clean: false).write(to: flapping, atomically: true, encoding: .utf8)
        try Self.config(telegramBase: telegram.apiBase, sentLog: sentLog, clean: true).write(to: clean, atomically: true, encoding: .utf8)
        let parsed = try GatewayConfig.parse(
            yaml: Self.config(telegramBase: telegram.apiBase, sentLog: sentLog, clean: false), source: "flapping.yaml", environment: [:])
        var ledger = CrashLedger(stablePeriods: Dictionary(uniqueKeysWithValues: parsed.platforms.map { ($0.name, $0.policy.stablePeriodMillis) }))

        // The second connection, as `gatewayd send` would use (it also creates and migrates the file).
        let store = try Store(path: db)
        let traffic = CrashTraffic(store: store, telegram: telegram, simulated: "out", telegramName: "tg")
        var random = SplitMix64(seed: settings.seed)
        traffic.start(seed: random.next())
        var report = Report(ledger: .init(), violations: [], outbound: .init(), inbound: (0, 0), faults: [:], seconds: 0)
        var sendingAtKills: Set<Int64> = []

        for kill in 1...settings.kills {
            let daemon = try DaemonProcess(binary: binary, config: flapping, db: db, logLevel: "info", stderrFile: log)
            try? await Task.sleep(for: .milliseconds(random.pick(0...settings.maxRunMillis)))
            daemon.kill(SIGKILL)
            _ = await daemon.finished()
            report.kills += 1
            let label = "kill \(kill) (pid \(daemon.pid))"
            if daemon.process.terminationReason != .uncaughtSignal || daemon.process.terminationStatus != SIGKILL {
                report.exitedByThemselves.append("\(label): exited by itself with \(daemon.process.terminationStatus)")
            }
            // The test's own store creates the schema before any daemon runs: a kill before the first daemon's first
            // reconcile committed finds no rows, and nothing was lost (a seed whose first pause was shorter than the
            // start-up hit it once in CI).
            guard try probe.hasSchema(), try ledger.hasSeenRows || !probe.platforms().isEmpty else {
                report.killedBeforeSchema += 1
                continue
            }
            try check(&ledger, when: label)
            let rows = try probe.platforms()
            ledger.expectAfterRestart(rows, when: label)
            sendingAtKills.formUnion(try probe.outbox().filter { $0.state == "sending" }.map(\.id))
            try? await Task.sleep(for: .milliseconds(random.pick(0...settings.maxPauseMillis)))
        }

        // The last, clean run: nothing flaps, no faults; everything must drain.
        await traffic.stop()
        let final = try DaemonProcess(binary: binary, config: clean, db: db, logLevel: "info", stderrFile: log)
        let inboundTexts = traffic.inboundTexts
        // The backlog of a long run can be large (Telegram allows 1 message/s per chat): wait as long as it shrinks.
        let drainStarted = ContinuousClock.now
        var left = Int.max
        var lastProgress = ContinuousClock.now
        while true {
            let waiting = try probe.outbox().filter { $0.state == "queued" || $0.state == "sending" }.count
            let unstored = inboundTexts.count - (try probe.inboxTexts(platform: "tg").count)
            let unconfirmed = await telegram.state.pendingIDs.count
            if waiting + max(0, unstored) + unconfirmed == 0 { break }
            if waiting + unstored + unconfirmed < left { left = waiting + unstored + unconfirmed; lastProgress = .now }
            if ContinuousClock.now - lastProgress > .seconds(30) {
                ledger.fail("the clean run stopped draining: \(waiting) outgoing messages waiting, \(unstored) updates not stored, \(unconfirmed) not confirmed, for 30 s")
                break
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        report.drainSeconds = Double((ContinuousClock.now - drainStarted) / .milliseconds(1)) / 1_000
        final.kill(SIGTERM)
        let finished = await final.finished()
        if finished.status != 0 { ledger.fail("the clean run exited \(finished.status) on SIGTERM") }
        try check(&ledger, when: "after the clean run", gracefulStop: true)
        let rows = try probe.platforms()
        for row in rows where row.state == "connecting" || row.state == "connected" {
            ledger.fail("after a graceful stop \(row.name) is still \(row.state)")
        }
        if !ledger.uncountedInterruptions.isEmpty {
            ledger.fail("interrupted attempts never counted: \(ledger.uncountedInterruptions)")
        }
        if try !probe.query("SELECT 1 FROM daemon_lease").isEmpty { ledger.fail("the lease was not released on SIGTERM") }

        report.outbound = try MessageAccount.check(
            enqueued: traffic.enqueued, outbox: probe.outbox(), sentLog: sentLog, telegramSent: await telegram.state.sent,
            sendingAtKills: sendingAtKills, ledger: &ledger)
        let stored = try probe.inboxTexts(platform: "tg")
        report.inbound = (inboundTexts.count, stored.count)
        if stored.sorted() != inboundTexts.sorted() {
            let missing = Set(inboundTexts).subtracting(stored)
            ledger.fail("inbox: \(inboundTexts.count) updates sent, \(stored.count) stored (\(Set(stored).count) distinct); missing \(missing.sorted().prefix(10))")
        }
        await telegram.stop()
        report.faults = traffic.faultCounts
        report.ledger = ledger.stats
        report.violations = ledger.violations
        report.seconds = Double((ContinuousClock.now - started).components.seconds)
        return report
    }

    /// The checks for a file no process writes to right now.
    private func check(_ ledger: inout CrashLedger, when label: String, gracefulStop: Bool = false) throws {
        let integrity = try probe.integrityCheck()
        if integrity != ["ok"] { ledger.fail("\(label): integrity_check: \(integrity.prefix(5))") }
        ledger.absorb(try probe.events(after: ledger.lastEventID), gracefulStop: gracefulStop)
        ledger.checkRows(try probe.platforms(), counts: try probe.platformCounts(), when: label)
        let counts = try probe.eventCounts()
        if counts.maxPerPlatform > 1_000 { ledger.fail("\(label): a platform has \(counts.maxPerPlatform) events; the bound is 1,000") }
    }

    /// The daemon's log (for a failure report).
    var logTail: String {
        String(((try? String(contentsOf: log, encoding: .utf8)) ?? "").suffix(4_000))
    }
}
