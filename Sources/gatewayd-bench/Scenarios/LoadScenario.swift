import Foundation

/// HTTP load: wrk against a real `gatewayd run` (``LoadDaemon``) on loopback, one case after another on the same
/// daemon and database — `GET /v1/status` on an empty outbox, `POST /v1/messages` with one message and with batches,
/// `GET /v1/status` again over the backlog the POSTs left — with, after every POST case, an audit of the outbox
/// (``OutboxAudit``): nothing accepted may be missing, nothing may be there twice.
struct LoadSpec: Sendable {
    var wrk = WrkParameters()
    var batches = [10, 100]

    var cases: [WrkCase] {
        [.status(prefix: "status-empty", label: "`GET /v1/status`, empty outbox")] + [.single] + batches.map(WrkCase.batch)
            + [.status(prefix: "status-backlog", label: "`GET /v1/status`, over the backlog the POSTs left")]
    }
}

struct LoadCaseResult: Sendable {
    var wrkCase: WrkCase
    var wrk: WrkResult
    var wallSeconds: Double
    var daemonCPUSeconds: Double
    /// Every process on the machine, wrk and the daemon included.
    var machineCPUSeconds: Double
    /// The daemon's VmRSS right after the case, KiB.
    var rssKiB: Int
    /// Outbox rows waiting (queued or sending) when the case began.
    var waitingBefore: Int
    /// POST cases only.
    var audit: OutboxAudit?
}

/// One platform's outbox rows by state, after the run.
struct LoadPlatformOutbox: Sendable {
    var platform: String
    var queued = 0, sending = 0, sent = 0, failed = 0, expired = 0
}

struct LoadResult: Sendable {
    var spec: LoadSpec
    var readySeconds = 0.0
    var rssBeforeKiB = 0
    var rssAfterKiB = 0
    var peakKiB = 0
    var cases: [LoadCaseResult] = []
    var outbox: [LoadPlatformOutbox] = []
    /// Every outbox row, and the rows of no case (must be 0).
    var totalRows = 0
    var strayRows = 0
    var sentToPlatforms = 0
    /// From the first case's start to the end of the last one's audit.
    var runSeconds = 0.0
    /// `disconnected` events in the history: connections lost during the run.
    var disconnects = 0
    /// The status of an unauthenticated `GET /v1/status` (401 when the token check is on).
    var unauthenticated: Int?
    var complaints: [String] = []
    var exitStatus: Int32 = 0
    /// Anything that does not add up; non-empty makes the benchmark exit 1.
    var problems: [String] = []
}

@MainActor
enum LoadScenario {
    static func run(_ spec: LoadSpec, gatewayd: String, directory: URL) async throws -> LoadResult {
        let folder = directory.appending(path: "load-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let daemon = try await LoadDaemon(gatewayd: gatewayd, directory: folder)
        do {
            let result = try await measure(spec, daemon: daemon, folder: folder)
            return try await finish(result, daemon: daemon)
        } catch {
            _ = await daemon.stop()
            throw error
        }
    }

    private static func measure(_ spec: LoadSpec, daemon: LoadDaemon, folder: URL) async throws -> LoadResult {
        var result = LoadResult(spec: spec, readySeconds: daemon.readySeconds)
        result.unauthenticated = await LoadDaemon.get("/v1/status", port: daemon.port, token: daemon.token, authorized: false)
        try await Task.sleep(for: .seconds(2))  // settle after startup
        guard let before = daemon.child.memoryKiB() else { throw gone(daemon) }
        result.rssBeforeKiB = before.rss
        let database = try BenchDatabase(path: daemon.database, readOnly: true)
        let runBegan = ContinuousClock.now
        for wrkCase in spec.cases {
            Commands.progress("load: \(wrkCase.prefix), \(spec.wrk.flags), \(spec.wrk.seconds) s")
            let waiting = try OutboxAudit.count(database, "SELECT count(*) FROM outbox WHERE state IN ('queued', 'sending')")
            guard let cpuBefore = daemon.child.cpuSeconds(), let machineBefore = machineCPUSeconds() else { throw gone(daemon) }
            let began = ContinuousClock.now
            let wrk = try await Wrk.run(
                wrkCase, parameters: spec.wrk, port: daemon.port, token: daemon.token, platforms: LoadDaemon.platforms,
                directory: folder)
            let wall = (ContinuousClock.now - began).seconds
            guard let cpuAfter = daemon.child.cpuSeconds(), let memory = daemon.child.memoryKiB(),
                let machineAfter = machineCPUSeconds()
            else { throw gone(daemon) }
            var row = LoadCaseResult(
                wrkCase: wrkCase, wrk: wrk, wallSeconds: wall, daemonCPUSeconds: cpuAfter - cpuBefore,
                machineCPUSeconds: machineAfter - machineBefore, rssKiB: memory.rss, waitingBefore: waiting)
            if wrkCase.mode != .status {
                let audit = try await OutboxAudit.measure(wrkCase, result: wrk, database: database)
                result.problems += audit.problems.map { "\(wrkCase.prefix): \($0)" }
                row.audit = audit
            }
            result.cases.append(row)
        }
        result.runSeconds = (ContinuousClock.now - runBegan).seconds
        guard let after = daemon.child.memoryKiB() else { throw gone(daemon) }
        (result.rssAfterKiB, result.peakKiB) = (after.rss, after.peak)
        result.totalRows = try OutboxAudit.count(database, "SELECT count(*) FROM outbox")
        result.strayRows = result.totalRows - result.cases.compactMap(\.audit?.rows).reduce(0, +)
        if result.strayRows != 0 { result.problems.append("\(result.strayRows) outbox rows belong to no request of the run") }
        for platform in LoadDaemon.platforms {
            let counts = try database.integers(
                """
                SELECT coalesce(sum(state = 'queued'), 0), coalesce(sum(state = 'sending'), 0), coalesce(sum(state = 'sent'), 0),
                       coalesce(sum(state = 'failed'), 0), coalesce(sum(state = 'expired'), 0)
                FROM outbox WHERE platform = ?1
                """, [platform]).first?.map { Int($0 ?? 0) } ?? []
            guard counts.count == 5 else { continue }
            result.outbox.append(LoadPlatformOutbox(
                platform: platform, queued: counts[0], sending: counts[1], sent: counts[2], failed: counts[3], expired: counts[4]))
        }
        result.disconnects = try OutboxAudit.count(database, "SELECT count(*) FROM platform_events WHERE kind = 'disconnected'")
        if result.unauthenticated != 401 {
            result.problems.append("an unauthenticated GET /v1/status answered \(result.unauthenticated.map(String.init) ?? "nothing"), not 401")
        }
        return result
    }

    /// Stops the daemon (SIGTERM) and records what its log and its exit say.
    private static func finish(_ partial: LoadResult, daemon: LoadDaemon) async throws -> LoadResult {
        var result = partial
        result.sentToPlatforms = daemon.sentToPlatforms
        result.exitStatus = await daemon.stop()
        result.complaints = daemon.complaints()
        if result.exitStatus != 0 { result.problems.append("gatewayd exited \(result.exitStatus) after SIGTERM") }
        return result
    }

    private static func gone(_ daemon: LoadDaemon) -> ProcessScenarios.Failed {
        let log = (try? String(contentsOf: daemon.logFile, encoding: .utf8)) ?? ""
        return ProcessScenarios.Failed(description: "gatewayd (pid \(daemon.child.pid)) went away: \(log.suffix(1_500))")
    }
}
