import GatewayCore
import GatewayRuntime
import Foundation

/// The headline table's rows, contributed by the scenarios as they run.
@MainActor
final class Headlines {
    private(set) var rows: [String] = []

    func add(_ measure: String, _ ratio: String, _ ours: String, _ seed: String) {
        rows.append("| \(measure) | \(ratio) | \(ours) | \(seed) |")
    }

    var table: String {
        (["| measure (lower is better) | verdict | ours | seed model |", "|---|---|---|---|"] + rows).joined(separator: "\n")
    }
}

/// What a scenario measured that does not add up (e.g. messages lost under load): the report shows it, and the
/// benchmark exits 1 once it has printed or written the report.
@MainActor
final class Mismatches {
    private(set) var all: [String] = []

    func add(_ lines: [String]) { all += lines }
}

/// Markdown for BENCHMARKS.md: one table per scenario, ratios first, absolute numbers for context.
enum Report {
    static func ms(_ value: Int64?) -> String { value.map { Stats.seconds(millis: $0) } ?? "—" }

    static func ratio(_ numerator: Double?, _ denominator: Double?) -> String {
        guard let numerator, let denominator, denominator > 0 else { return "—" }
        return Stats.ratio(numerator / denominator)
    }

    /// For a measure where lower is better: "ours 12× better" or "ours 3× worse", with the ratio taken so it is ≥ 1.
    static func verdict(ours: Double?, seed: Double?) -> String {
        guard let ours, let seed, ours >= 0, seed >= 0 else { return "—" }
        let floor = 1e-9
        if ours <= seed { return "ours \(Stats.ratio(max(seed, floor) / max(ours, floor))) better" }
        return "ours \(Stats.ratio(ours / max(seed, floor))) worse"
    }

    static func mib(_ kib: Int?) -> String { kib.map { String(format: "%.1f MiB", Double($0) / 1024) } ?? "—" }

    static func lag(_ ours: LagResult, _ seed: LagResult, command: String) -> String {
        func row(_ name: String, _ p: Double) -> String {
            let o = Stats.percentile(ours.lags, p), s = Stats.percentile(seed.lags, p)
            return "| \(name) | \(ms(o)) | \(ms(s)) | \(ratio(s.map(Double.init), o.map { Double(max($0, 1)) })) |"
        }
        return """
            | reconnect lag (due → attempt started) | ours | seed model | seed ÷ ours |
            |---|---|---|---|
            \(row("p50", 50))
            \(row("p99", 99))
            \(row("max", 100))
            | samples | \(ours.lags.count) | \(seed.lags.count) | |

            Reproduce: `\(command)`. Ours is measured to the millisecond (the store's timestamps); a ratio against a
            0 ms lag is computed against 1 ms.

            """
    }

    static func mttr(_ pairs: [(ours: OutageResult, seed: OutageResult)], command: String) -> String {
        var lines = [
            "| platforms | outage | MTTR p50 ours | MTTR p50 seed | seed ÷ ours (p50) | MTTR max ours | MTTR max seed | seed ÷ ours (max) | logins ours | logins seed | seed gave up | check: ours' virtual lag | wall s (ours/seed) |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for (ours, seed) in pairs {
            let op = Stats.percentile(ours.recoveries, 50), sp = Stats.percentile(seed.recoveries, 50)
            let om = ours.recoveries.last, sm = seed.recoveries.last
            func shown(_ r: OutageResult, _ value: Int64?) -> String {
                r.notRecovered > 0 ? "never for \(r.notRecovered)" + (value.map { " (others \(ms($0)))" } ?? "") : ms(value)
            }
            let maxRatio = (ours.notRecovered == 0 && seed.notRecovered == 0)
                ? ratio(sm.map(Double.init), om.map(Double.init)) : (seed.notRecovered > 0 ? "∞" : "—")
            lines.append(
                "| \(Stats.grouped(ours.spec.platforms)) | \(ours.spec.outageMillis / 60_000) min | \(ms(op)) | \(ms(sp)) "
                    + "| \(ratio(sp.map(Double.init), op.map(Double.init))) | \(shown(ours, om)) | \(shown(seed, sm)) | \(maxRatio) "
                    + "| \(Stats.grouped(ours.loginsDuringOutage + ours.loginsAfterReturn)) "
                    + "| \(Stats.grouped(seed.loginsDuringOutage + seed.loginsAfterReturn)) | \(seed.gaveUpAtReturn) "
                    + "| \(ours.virtualLagMillis.map { "\($0) ms" } ?? "—") "
                    + "| \(String(format: "%.1f/%.1f", ours.wallSeconds, seed.wallSeconds)) |")
        }
        return lines.joined(separator: "\n") + "\n\nReproduce: `\(command)`.\n"
    }

    /// Ours against a model of today's hermes (retry for ever at the 300 s cap, 10 s tick): the same runs' MTTR.
    static func mttrAgainstHermes(_ rows: [(ours: OutageResult, hermes: OutageResult)]) -> String {
        var lines = [
            "| platforms | outage | MTTR p50 ours | MTTR p50 hermes today | hermes ÷ ours (p50) | MTTR max ours | MTTR max hermes today | hermes ÷ ours (max) | logins ours | logins hermes today |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for (ours, hermes) in rows {
            let op = Stats.percentile(ours.recoveries, 50), hp = Stats.percentile(hermes.recoveries, 50)
            let om = ours.recoveries.last, hm = hermes.recoveries.last
            func shown(_ r: OutageResult, _ value: Int64?) -> String { r.notRecovered > 0 ? "never for \(r.notRecovered)" : ms(value) }
            lines.append(
                "| \(Stats.grouped(ours.spec.platforms)) | \(ours.spec.outageMillis / 60_000) min | \(ms(op)) | \(shown(hermes, hp)) "
                    + "| \(ratio(hp.map(Double.init), op.map(Double.init))) | \(shown(ours, om)) | \(shown(hermes, hm)) "
                    + "| \(ratio(hm.map(Double.init), om.map(Double.init))) "
                    + "| \(Stats.grouped(ours.loginsDuringOutage + ours.loginsAfterReturn)) "
                    + "| \(Stats.grouped(hermes.loginsDuringOutage + hermes.loginsAfterReturn)) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func recovery(probed: RecoveryResult, baseline: RecoveryResult, command: String) -> String {
        var lines = [
            "| \(probed.spec.platforms) Telegram bots, endpoint refused then a server starts | runs | server start → last bot connected, median | min | max | → first bot connected, median | probes at the endpoint, median | logins (getMe) per run |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for (label, r) in [("ours, probe every \(FullReport.probeEvery) (default)", probed), ("ours, `probe: off` (backoff only)", baseline)] {
            let logins = Set(r.logins).sorted().map(String.init).joined(separator: ", ")
            lines.append(
                "| \(label) | \(r.lastConnected.count) | \(ms(Stats.percentile(r.lastConnected, 50))) | \(ms(r.lastConnected.min())) "
                    + "| \(ms(r.lastConnected.max())) | \(ms(Stats.percentile(r.firstConnected, 50))) "
                    + "| \(Stats.percentile(r.probes, 50).map(String.init) ?? "—") | \(logins) |")
        }
        return lines.joined(separator: "\n") + "\n\nReproduce: `\(command)`.\n"
    }

    static func restart(_ rows: [(restarts: Int, ours: OutageResult, seed: OutageResult)], command: String) -> String {
        var lines = [
            "| restarts during the outage | logins / platform / hour ours | seed | seed ÷ ours | gave up at return ours | seed | MTTR max ours | seed | check: ours' virtual lag |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for (restarts, ours, seed) in rows {
            func maxText(_ r: OutageResult) -> String {
                r.notRecovered > 0 ? "never for \(r.notRecovered)" : ms(r.recoveries.last)
            }
            lines.append(
                "| \(restarts) | \(String(format: "%.1f", ours.loginsPerPlatformHour)) | \(String(format: "%.1f", seed.loginsPerPlatformHour)) "
                    + "| \(ratio(seed.loginsPerPlatformHour, ours.loginsPerPlatformHour)) | \(ours.gaveUpAtReturn) | \(seed.gaveUpAtReturn) "
                    + "| \(maxText(ours)) | \(maxText(seed)) | \(ours.virtualLagMillis.map { "\($0) ms" } ?? "—") |")
        }
        return lines.joined(separator: "\n") + "\n\nReproduce: `\(command)`.\n"
    }

    static func herd(_ rows: [OutageResult], command: String) -> String {
        var lines = [
            "| subject | peak logins in one second | logins in the whole run | MTTR max | check: ours' virtual lag |",
            "|---|---|---|---|---|",
        ]
        for row in rows {
            lines.append(
                "| \(row.subject) | \(Stats.grouped(row.peakLoginsPerSecond)) | \(Stats.grouped(row.loginsDuringOutage + row.loginsAfterReturn)) "
                    + "| \(ms(row.recoveries.last)) | \(row.virtualLagMillis.map { "\($0) ms" } ?? "—") |")
        }
        return lines.joined(separator: "\n") + "\n\nReproduce: `\(command)`.\n"
    }

    static func store(_ r: StoreResult, spec: StoreSpec, command: String) -> String {
        func cell(_ values: [Double], _ p: Double) -> String { Stats.percentile(values, p).map { Stats.micros(nanos: $0) } ?? "—" }
        let modelPass50 = Stats.percentile(r.modelPassNanos, 50), modelPass99 = Stats.percentile(r.modelPassNanos, 99)
        let transition50 = Stats.percentile(r.transitionNanos, 50)
        var text = """
            | operation (\(Stats.grouped(spec.platforms)) platforms) | ours p50 | ours p99 | seed model p50 | seed model p99 | ours ÷ seed (p50) |
            |---|---|---|---|---|---|
            | find when to wake next: ours `nextWakeAt()` (due index, stabilizing index, and in-flight leases by `state = 'connecting'`, which has no index) vs one seed pass over its whole queue | \(cell(r.nextWakeNanos, 50)) | \(cell(r.nextWakeNanos, 99)) | \(cell(r.modelPassNanos, 50)) | \(cell(r.modelPassNanos, 99)) | \(ratio(Stats.percentile(r.nextWakeNanos, 50), modelPass50)) |
            | ours `earliestDue()` alone (the due index) | \(cell(r.earliestDueNanos, 50)) | \(cell(r.earliestDueNanos, 99)) | | | \(ratio(Stats.percentile(r.earliestDueNanos, 50), modelPass50)) |
            | claim one due row (`claimDue`) | \(cell(r.claimNanos, 50)) | \(cell(r.claimNanos, 99)) | | | |
            | record its failure (`recordFailure`) | \(cell(r.failNanos, 50)) | \(cell(r.failNanos, 99)) | | | |
            | one transition: claim + recordFailure (durable) vs a dict update | \(cell(r.transitionNanos, 50)) | \(cell(r.transitionNanos, 99)) | \(Stats.micros(nanos: r.modelTransitionNanos)) (mean of \(Stats.grouped(spec.platforms))) | | \(ratio(transition50, r.modelTransitionNanos)) |

            Seed model pass p99/p50 for scale: \(modelPass99.map { Stats.micros(nanos: $0) } ?? "—") / \(modelPass50.map { Stats.micros(nanos: $0) } ?? "—"), one pass every 10 s.

            """
        if let ours = r.idle["ours"], let seed = r.idle["seed"] {
            text += """

                | idle, nothing due for an hour (\(Stats.grouped(spec.platforms)) queued), \(spec.idleSeconds) s window | ours (`gatewayd run`) | seed model (host process) | ours ÷ seed |
                |---|---|---|---|
                | CPU | \(String(format: "%.2f %%", ours.cpuPercent)) | \(String(format: "%.2f %%", seed.cpuPercent)) | \(ratio(ours.cpuPercent, seed.cpuPercent)) |
                | RSS | \(mib(ours.rssKiB)) | \(mib(seed.rssKiB)) | \(ratio(Double(ours.rssKiB), Double(seed.rssKiB))) |
                | peak RSS (VmHWM) | \(mib(ours.peakKiB)) | \(mib(seed.peakKiB)) | \(ratio(Double(ours.peakKiB), Double(seed.peakKiB))) |
                | start to ready (ours: a restart after a clean stop) | \(Stats.seconds(ours.readySeconds)) | \(Stats.seconds(seed.readySeconds)) | \(ratio(ours.readySeconds, seed.readySeconds)) |
                | start to ready (ours: the first start on the file, every page checked) | \(ours.firstReadySeconds.map(Stats.seconds) ?? "—") | \(Stats.seconds(seed.readySeconds)) | \(ratio(ours.firstReadySeconds, seed.readySeconds)) |

                Ours is started twice on the same file: the first start finds no note that a clean stop checked the
                file, so `PRAGMA quick_check` reads every page before the first write (as after a crash); its clean stop
                checks the file and notes its SHA-256 in `<db>-verified`\(ours.stampedAtStop == false ? " (this run: the note was NOT written)" : ""),
                and the second start, on which the idle figures are measured, compares the digest instead.

                """
        }
        return text + "\nReproduce: `\(command)`.\n"
    }

    static func footprint(_ ours: FootprintResult, _ seed: FootprintResult, runs: Int, command: String) -> String {
        func median(_ values: [Double]) -> Double? { Stats.percentile(values, 50) }
        func msText(_ value: Double?) -> String { value.map { String(format: "%.0f ms", $0) } ?? "—" }
        let oursRSS = Stats.percentile(ours.rssKiB, 50), seedRSS = Stats.percentile(seed.rssKiB, 50)
        return """
            | 3 simulated platforms, fresh database, median of \(runs) | ours (`gatewayd run`) | seed model (host process) | ours ÷ seed |
            |---|---|---|---|
            | cold start to ready (watcher's first heartbeat / model started) | \(msText(median(ours.readyMillis))) | \(msText(median(seed.readyMillis))) | \(ratio(median(ours.readyMillis), median(seed.readyMillis))) |
            | cold start to all 3 connected | \(msText(median(ours.connectedMillis))) | \(msText(median(seed.connectedMillis))) | \(ratio(median(ours.connectedMillis), median(seed.connectedMillis))) |
            | idle RSS | \(mib(oursRSS)) | \(mib(seedRSS)) | \(ratio(oursRSS.map(Double.init), seedRSS.map(Double.init))) |

            Reproduce: `\(command)`.

            """
    }
}
