import GatewayCore
import GatewayRuntime
import Foundation
import GatewayDaemon
import GatewayPostgres
import GatewayStore
import GatewaySimulated

/// `gatewayd-bench <scenario> [options]`: each scenario prints its Markdown table; `all` writes BENCHMARKS.md.
@MainActor
struct Commands {
    let arguments: [String]
    let binary = ".build/release/gatewayd-bench"
    let directory: URL
    /// The headline rows each scenario contributes (used by `all`).
    let headlines = Headlines()
    /// Measurements that do not add up (the `load` audit): printed, and the benchmark exits 1.
    let mismatches = Mismatches()

    func option(_ name: String) -> String? {
        guard let index = arguments.firstIndex(of: "--\(name)"), index + 1 < arguments.count else { return nil }
        return arguments[index + 1]
    }

    func ints(_ name: String, _ fallback: [Int]) -> [Int] {
        option(name).map { $0.split(separator: ",").compactMap { Int($0) } } ?? fallback
    }

    func int(_ name: String, _ fallback: Int) -> Int { option(name).flatMap(Int.init) ?? fallback }

    var gatewayd: String { option("gatewayd") ?? ".build/release/gatewayd" }
    var selfPath: String { CommandLine.arguments[0] }

    static func progress(_ text: String) { FileHandle.standardError.write(Data("[bench] \(text)\n".utf8)) }

    func lag() async throws -> String {
        let spec = LagSpec(platforms: int("platforms", 200), seconds: int("seconds", 60))
        Self.progress("lag: ours, \(spec.platforms) platforms, \(spec.seconds) s real time")
        let ours = try await LagScenario.ours(spec, directory: directory)
        Self.progress("lag: seed model")
        let seed = try await LagScenario.seed(spec)
        let o50 = Stats.percentile(ours.lags, 50), s50 = Stats.percentile(seed.lags, 50)
        let o99 = Stats.percentile(ours.lags, 99), s99 = Stats.percentile(seed.lags, 99)
        headlines.add(
            "reconnect lag p50 / p99 (real clock; ours counted as ≥ 1 ms)",
            "\(Report.verdict(ours: o50.map { Double(max($0, 1)) }, seed: s50.map(Double.init))) / \(Report.verdict(ours: o99.map { Double(max($0, 1)) }, seed: s99.map(Double.init)))",
            "\(Report.ms(o50)) / \(Report.ms(o99))", "\(Report.ms(s50)) / \(Report.ms(s99))")
        return Report.lag(ours, seed, command: "\(binary) lag --platforms \(spec.platforms) --seconds \(spec.seconds)")
    }

    func outagePair(_ spec: OutageSpec) async throws -> (ours: OutageResult, seed: OutageResult) {
        Self.progress("outage: \(spec.platforms) platforms, \(spec.outageMillis / 60_000) min, restarts \(spec.restartsAtMillis.map { $0 / 60_000 })")
        let ours = try await OutageScenario.run(.ours, spec, directory: directory)
        let seed = try await OutageScenario.run(.seed, spec, directory: directory)
        return (ours, seed)
    }

    func mttr() async throws -> (String, [(ours: OutageResult, seed: OutageResult)]) {
        let sizes = ints("platforms", [10, 100, 1_000]), outages = ints("outage-min", [1, 10, 30, 120])
        var pairs: [(ours: OutageResult, seed: OutageResult)] = []
        var hermes: [OutageResult] = []
        for size in sizes {
            for minutes in outages {
                let spec = OutageSpec(platforms: size, outageMillis: Int64(minutes) * 60_000)
                pairs.append(try await outagePair(spec))
                hermes.append(try await OutageScenario.run(.hermes, spec, directory: directory))
            }
        }
        let command = "\(binary) mttr --platforms \(sizes.map(String.init).joined(separator: ",")) --outage-min \(outages.map(String.init).joined(separator: ","))"
        // The bounds issue 13 set: a probe interval plus a login for small fleets; the login budget for large ones.
        let budget = SimulatedKind.kind.loginBudget
        for (ours, _) in pairs {
            let p50 = Stats.percentile(ours.recoveries, 50) ?? .max, worst = ours.recoveries.last ?? .max
            let n = Int64(ours.spec.platforms)
            let bound: (p50: Int64, max: Int64) = n <= 100
                ? (5_000, 10_000) : (.max, n * budget.windowMillis / Int64(budget.logins) + 5_000)
            if ours.notRecovered > 0 || p50 > bound.p50 || worst > bound.max {
                mismatches.add(["mttr: \(n) platforms after \(ours.spec.outageMillis / 60_000) min: p50 \(Report.ms(p50)), max \(Report.ms(worst)), \(ours.notRecovered) not back (bound: p50 ≤ \(Report.ms(bound.p50)), max ≤ \(Report.ms(bound.max)))"])
            }
            if ours.peakLoginsPerSecond > budget.logins * Int(1_000 / budget.windowMillis) {
                mismatches.add(["mttr: \(n) platforms after \(ours.spec.outageMillis / 60_000) min: \(ours.peakLoginsPerSecond) logins in one second, above the budget (\(budget))"])
            }
        }
        let table = Report.mttr(pairs, command: command) + "\n" + Report.mttrAgainstHermes(zip(pairs.map(\.ours), hermes).map { ($0, $1) })
        return (table, pairs)
    }

    func restart() async throws -> String {
        let size = int("platforms", 100), minutes = int("outage-min", 120)
        let restarts = ints("restarts-min", [10, 20, 30, 40, 50])
        var rows: [(restarts: Int, ours: OutageResult, seed: OutageResult)] = []
        for schedule in [[], restarts] {
            let spec = OutageSpec(
                platforms: size, outageMillis: Int64(minutes) * 60_000, restartsAtMillis: schedule.map { Int64($0) * 60_000 })
            let pair = try await outagePair(spec)
            rows.append((schedule.count, pair.ours, pair.seed))
        }
        let command = "\(binary) restart --platforms \(size) --outage-min \(minutes) --restarts-min \(restarts.map(String.init).joined(separator: ","))"
        if let stormy = rows.last {
            headlines.add(
                "logins per platform-hour during a 120 min outage with 5 restarts",
                Report.verdict(ours: stormy.ours.loginsPerPlatformHour, seed: stormy.seed.loginsPerPlatformHour),
                String(format: "%.1f", stormy.ours.loginsPerPlatformHour), String(format: "%.1f", stormy.seed.loginsPerPlatformHour))
        }
        return Report.restart(rows, command: command)
    }

    /// Peak logins per second; reuses the MTTR runs of the same size and outage when `all` made them.
    func herd(reusing pairs: [(ours: OutageResult, seed: OutageResult)] = []) async throws -> String {
        let size = int("herd-platforms", 1_000), minutes = int("herd-outage-min", 10)
        let spec = OutageSpec(platforms: size, outageMillis: Int64(minutes) * 60_000)
        let reused = pairs.first { $0.ours.spec.platforms == size && $0.ours.spec.outageMillis == spec.outageMillis }
        let pair = if let reused { reused } else { try await outagePair(spec) }
        var flat = spec
        flat.policy.jitter = 0
        Self.progress("herd: ours without jitter")
        let unjittered = try await OutageScenario.run(.ours, flat, label: "ours, jitter 0", directory: directory)
        var jittered = pair.ours
        jittered.subject = "ours, jitter ±20 % (default)"
        headlines.add(
            "peak logins in one second, \(Stats.grouped(size)) platforms dropping together (ours: jitter ±20 %; without jitter it was \(Stats.grouped(unjittered.peakLoginsPerSecond)))",
            Report.verdict(ours: Double(jittered.peakLoginsPerSecond), seed: Double(pair.seed.peakLoginsPerSecond)),
            "\(jittered.peakLoginsPerSecond)", "\(pair.seed.peakLoginsPerSecond) (one login at a time)")
        return Report.herd([jittered, unjittered, pair.seed], command: "\(binary) herd --herd-platforms \(size) --herd-outage-min \(minutes)")
    }

    /// Real sockets: bots whose endpoint refuses, then a server starts; ours with the probe, and without it.
    func recovery() async throws -> String {
        let spec = RecoverySpec(platforms: int("platforms", 10), runs: int("runs", 5), downSeconds: int("down-seconds", 8))
        Self.progress("recovery: \(spec.platforms) bots, \(spec.runs) runs, probe on (\(gatewayd))")
        let probed = try await RecoveryScenario.run(spec, gatewayd: gatewayd, directory: directory)
        var off = spec
        off.runs = int("baseline-runs", 2)
        off.reconnect = "{ probe: off }"
        Self.progress("recovery: \(off.runs) runs, probe off")
        let baseline = try await RecoveryScenario.run(off, gatewayd: gatewayd, directory: directory)
        if let median = Stats.percentile(probed.lastConnected, 50), median > 5_000 {
            mismatches.add(["recovery: \(spec.platforms) bots back \(Report.ms(median)) after the server started (median of \(spec.runs)); the bound is 5 s"])
        }
        for (index, logins) in probed.logins.enumerated() where logins != spec.platforms {
            mismatches.add(["recovery: run \(index + 1): \(logins) logins for \(spec.platforms) bots (a probe must never log in)"])
        }
        let command = "\(binary) recovery --platforms \(spec.platforms) --runs \(spec.runs) --down-seconds \(spec.downSeconds) --baseline-runs \(off.runs) --gatewayd \(gatewayd)"
        return Report.recovery(probed: probed, baseline: baseline, command: command)
    }

    func store() async throws -> String {
        let spec = StoreSpec(platforms: int("platforms", 100_000), samples: int("samples", 2_000), idleSeconds: int("idle-seconds", 30))
        Self.progress("store: \(spec.platforms) platforms, \(spec.samples) samples")
        var result = try await StoreScenario.measure(spec, directory: directory)
        Self.progress("store: idle, ours (\(gatewayd))")
        result.idle["ours"] = try await ProcessScenarios.oursIdle(
            gatewayd: gatewayd, platforms: spec.platforms, seconds: spec.idleSeconds, directory: directory)
        Self.progress("store: idle, seed model")
        result.idle["seed"] = try await ProcessScenarios.modelIdle(bench: selfPath, platforms: spec.platforms, seconds: spec.idleSeconds)
        let transition = Stats.percentile(result.transitionNanos, 50), wake = Stats.percentile(result.nextWakeNanos, 50)
        let pass = Stats.percentile(result.modelPassNanos, 50)
        headlines.add(
            "one state transition at \(Stats.grouped(spec.platforms)) platforms (claim + recordFailure, durable, p50 vs a dict update)",
            Report.verdict(ours: transition, seed: result.modelTransitionNanos),
            transition.map { Stats.micros(nanos: $0) } ?? "—", Stats.micros(nanos: result.modelTransitionNanos))
        headlines.add(
            "finding when to wake at \(Stats.grouped(spec.platforms)) platforms (`nextWakeAt` p50 vs one seed pass)",
            Report.verdict(ours: wake, seed: pass),
            wake.map { Stats.micros(nanos: $0) } ?? "—", pass.map { Stats.micros(nanos: $0) } ?? "—")
        if let ours = result.idle["ours"], let seed = result.idle["seed"] {
            headlines.add(
                "idle CPU / RSS at \(Stats.grouped(spec.platforms)) queued platforms",
                "CPU: \(Report.verdict(ours: ours.cpuPercent, seed: seed.cpuPercent)); RSS: \(Report.verdict(ours: Double(ours.rssKiB), seed: Double(seed.rssKiB)))",
                String(format: "%.2f %%, ", ours.cpuPercent) + Report.mib(ours.rssKiB), String(format: "%.2f %%, ", seed.cpuPercent) + Report.mib(seed.rssKiB))
        }
        return Report.store(
            result, spec: spec,
            command: "\(binary) store --platforms \(spec.platforms) --samples \(spec.samples) --idle-seconds \(spec.idleSeconds) --gatewayd \(gatewayd)")
    }

    func footprint() async throws -> String {
        let runs = int("runs", 5), settle = int("settle-seconds", 3)
        Self.progress("footprint: \(runs) cold starts each")
        let ours = try await ProcessScenarios.oursFootprint(gatewayd: gatewayd, runs: runs, settleSeconds: settle, directory: directory)
        let seed = try await ProcessScenarios.modelFootprint(bench: selfPath, runs: runs, settleSeconds: settle)
        let oursReady = Stats.percentile(ours.connectedMillis, 50), seedReady = Stats.percentile(seed.connectedMillis, 50)
        let oursRSS = Stats.percentile(ours.rssKiB, 50), seedRSS = Stats.percentile(seed.rssKiB, 50)
        headlines.add(
            "`gatewayd run`, 3 platforms: cold start to all connected / idle RSS",
            "\(Report.verdict(ours: oursReady, seed: seedReady)) / \(Report.verdict(ours: oursRSS.map(Double.init), seed: seedRSS.map(Double.init)))",
            "\(oursReady.map { String(format: "%.0f ms", $0) } ?? "—") / \(Report.mib(oursRSS))",
            "\(seedReady.map { String(format: "%.0f ms", $0) } ?? "—") / \(Report.mib(seedRSS))")
        return Report.footprint(ours, seed, runs: runs, command: "\(binary) footprint --runs \(runs) --gatewayd \(gatewayd)")
    }

    /// Durable enqueue (single vs batched, synchronous NORMAL and FULL) and outbox flush rates (paced and unpaced).
    func messages() async throws -> String {
        var spec = MessagesSpec()
        spec.count = int("count", spec.count)
        spec.batchSizes = ints("batches", spec.batchSizes)
        spec.pacedCount = int("paced", spec.pacedCount)
        spec.pacedChats = int("chats", spec.pacedChats)
        spec.unpacedCount = int("unpaced", spec.unpacedCount)
        let syncs = (option("sync") ?? "normal,full").split(separator: ",").compactMap {
            ConnectionOptions.Synchronous(rawValue: $0.uppercased())
        }
        var enqueue: [EnqueueMeasure] = []
        _ = try await MessagesScenario.enqueue(count: 500, batch: nil, sync: .normal, directory: directory)  // warm-up
        for sync in syncs {
            for batch in [nil] + spec.batchSizes.map(Optional.some) {
                Self.progress("messages: enqueue \(spec.count), \(batch.map { "batches of \($0)" } ?? "single"), synchronous=\(sync.rawValue)")
                enqueue.append(try await MessagesScenario.enqueue(count: spec.count, batch: batch, sync: sync, directory: directory))
            }
        }
        Self.progress("messages: paced flush, \(spec.pacedCount) messages to \(spec.pacedChats) chats")
        let paced = try await MessagesScenario.pacedFlush(count: spec.pacedCount, chats: spec.pacedChats, directory: directory)
        Self.progress("messages: unpaced flush, \(spec.unpacedCount) messages")
        let unpaced = try await MessagesScenario.unpacedFlush(count: spec.unpacedCount, directory: directory)
        let command = "\(binary) messages --count \(spec.count) --batches \(spec.batchSizes.map(String.init).joined(separator: ",")) "
            + "--paced \(spec.pacedCount) --chats \(spec.pacedChats) --unpaced \(spec.unpacedCount) "
            + "--sync \(syncs.map { $0.rawValue.lowercased() }.joined(separator: ","))"
        return MessagesReport.render(enqueue: enqueue, paced: paced, unpaced: unpaced, command: command)
    }

    /// wrk against a real `gatewayd run`: `POST /v1/messages` (single, batches) and `GET /v1/status`, `--seconds` each,
    /// with the outbox audited after every POST case.
    func load() async throws -> String {
        var spec = LoadSpec()
        spec.wrk.seconds = int("seconds", spec.wrk.seconds)
        spec.wrk.threads = int("threads", spec.wrk.threads)
        spec.wrk.connections = int("connections", spec.wrk.connections)
        spec.batches = ints("batches", spec.batches)
        Self.progress("load: \(spec.cases.count) wrk cases of \(spec.wrk.seconds) s against \(gatewayd)")
        let result = try await LoadScenario.run(spec, gatewayd: gatewayd, directory: directory)
        mismatches.add(result.problems.map { "load: \($0)" })
        let command = "\(binary) load --seconds \(spec.wrk.seconds) --threads \(spec.wrk.threads) "
            + "--connections \(spec.wrk.connections) --batches \(spec.batches.map(String.init).joined(separator: ",")) --gatewayd \(gatewayd)"
        return LoadReport.render(result, command: command)
    }

    /// The fleet's store on PostgreSQL (`--postgres URL`, a database the bench may fill) against SQLite.
    func fleet() async throws -> String {
        guard let url = option("postgres") else {
            return "Skipped: no PostgreSQL given (`--postgres postgres://…`; scripts/bench starts one when PostgreSQL is installed).\n"
        }
        var location = try PostgresLocation(url: url)
        if location.password == nil { location.password = ProcessInfo.processInfo.environment["PGPASSWORD"] }
        let spec = FleetSpec(platforms: int("fleet-platforms", 3_000), samples: int("samples", 500), daemons: int("daemons", 3))
        Self.progress("fleet: \(spec.platforms) platforms, \(spec.samples) transitions on each store, \(spec.daemons) daemons claiming")
        let result = try await FleetScenario.run(spec, location: location, directory: directory)
        if result.duplicates > 0 || result.claimed != spec.platforms {
            mismatches.add(["fleet: \(result.claimed) of \(spec.platforms) platforms claimed, \(result.duplicates) twice"])
        }
        let sqlite = Stats.percentile(result.sqliteCycleNanos, 50), postgres = Stats.percentile(result.postgresCycleNanos, 50)
        headlines.add(
            "one durable transition on PostgreSQL (fleet) vs SQLite (claim + recordFailure, p50, loopback server)",
            "PostgreSQL ÷ SQLite: \(Report.ratio(postgres, sqlite))",
            postgres.map { Stats.micros(nanos: $0) } ?? "—", "SQLite: " + (sqlite.map { Stats.micros(nanos: $0) } ?? "—"))
        var failoverSpec = FailoverSpec()
        failoverSpec.leasesSeconds = ints("failover-leases", failoverSpec.leasesSeconds)
        failoverSpec.runs = int("failover-runs", failoverSpec.runs)
        Self.progress("fleet: failover, 2 gatewayd processes, leases \(failoverSpec.leasesSeconds) s, \(failoverSpec.runs) runs each")
        let failover = try await FailoverScenario.run(
            failoverSpec, gatewayd: gatewayd, location: location, url: url, directory: directory)
        mismatches.add(failover.problems.map { "fleet failover: \($0)" })
        return FleetReport.render(
            result, spec: spec, failover: failover, failoverSpec: failoverSpec,
            command: "\(binary) fleet --postgres \(location) --fleet-platforms \(spec.platforms) --samples \(spec.samples) --daemons \(spec.daemons) --failover-leases \(failoverSpec.leasesSeconds.map(String.init).joined(separator: ",")) --failover-runs \(failoverSpec.runs) --gatewayd \(gatewayd)")
    }

    /// Hosts the seed model alone, for the process measurements: `--queued N` (nothing due for an hour) or
    /// `--connect N` (N simulated platforms that connect). Prints "ready", then runs until killed.
    func hostModel() async throws -> Never {
        let clock = SystemGatewayClock()
        let now = clock.nowMillis()
        let model: SeedModel
        if let queued = option("queued").flatMap(Int.init) {
            model = SeedModel(platforms: [], factory: AdapterFactory(), clock: clock)
            let entries = (0..<queued).map {
                (name: StoreScenario.name($0), attempts: 1 + $0 % 5, nextRetry: now + StoreScenario.hour + Int64($0) * StoreScenario.hour / Int64(queued))
            }
            Task.detached { await model.watch(prefilled: entries) }
        } else {
            let count = int("connect", 3)
            let platforms = (0..<count).map {
                PlatformConfig(name: StoreScenario.name($0), type: .simulated, options: ["script": .string("connect")])
            }
            model = SeedModel(platforms: platforms, factory: AdapterFactory(), clock: clock)
            Task.detached { await model.run() }
            while await model.connectedCount < count { try await Task.sleep(for: .milliseconds(1)) }
        }
        FileHandle.standardOutput.write(Data("ready\n".utf8))
        while true { try await Task.sleep(for: .seconds(3_600)) }
    }
}
