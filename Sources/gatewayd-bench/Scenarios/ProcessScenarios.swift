import GatewayCore
import GatewayRuntime
import Foundation
import GatewayDaemon
import GatewayStore

/// Scenarios measured from outside a separate process (/proc): idle CPU and memory at scale, cold start, footprint.
/// Ours is the real `gatewayd run`; the seed model runs in this benchmark binary (`gatewayd-bench host-model`).
struct FootprintResult: Sendable {
    var readyMillis: [Double] = []
    var connectedMillis: [Double] = []
    var rssKiB: [Int] = []
}

@MainActor
enum ProcessScenarios {
    struct Failed: Error, CustomStringConvertible { let description: String }

    /// `gatewayd run` over a database of N queued platforms with nothing due for an hour, started twice: first on the
    /// fixture as written (no note of a check: `PRAGMA quick_check` reads every page), then again after that daemon's
    /// clean stop (SIGTERM), which is the start the idle figures are measured on.
    static func oursIdle(gatewayd: String, platforms: Int, seconds: Int, directory: URL) async throws -> IdleResult {
        let path = directory.appending(path: "idle-\(UUID().uuidString).db").path
        let config = directory.appending(path: "idle-\(UUID().uuidString).yaml").path
        defer {
            for file in [path, path + "-wal", path + "-shm", path + "-verified", config] {
                try? FileManager.default.removeItem(atPath: file)
            }
        }
        try idleFixture(database: path, config: config, platforms: platforms)
        let arguments = ["run", "--config", config, "--db", path, "--log-level", "error"]
        let first = try ChildProcess(gatewayd, arguments)
        let firstReady: Double
        do {
            defer { first.stop() }
            firstReady = try waitUntilReady(first, database: path)
        }
        let stamped = FileManager.default.fileExists(atPath: path + "-verified")
        let child = try ChildProcess(gatewayd, arguments)
        defer { child.stop() }
        var result = try await idle(child, ready: try waitUntilReady(child, database: path), seconds: seconds)
        result.firstReadySeconds = firstReady
        result.stampedAtStop = stamped
        return result
    }

    /// Seconds from the child's start to its watcher's first heartbeat in `daemon_lease.watcher_at`, read through a
    /// read-only connection that is closed again before returning (an open reader keeps the WAL at the daemon's stop).
    private static func waitUntilReady(_ child: ChildProcess, database path: String) throws -> Double {
        let probe = try BenchDatabase(path: path, readOnly: true)
        guard poll(timeout: .seconds(300), { probe.firstInteger("SELECT watcher_at FROM daemon_lease") != nil }) else {
            throw Failed(description: "gatewayd did not become ready")
        }
        return (ContinuousClock.now - child.started).seconds
    }

    /// A database with `platforms` queued rows (nothing due for an hour) and the configuration naming them: the idle
    /// scenario's input (also `gatewayd-bench idle-fixture`, to look at such a daemon by hand).
    static func idleFixture(database path: String, config: String, platforms: Int) throws {
        do { _ = try Store(path: path) }  // creates and migrates the file, then closes it
        try StoreScenario.seed(path: path, platforms: platforms, now: SystemWallClock().nowMillis())
        var yaml = "when_all_failed: stay\nplatforms:\n"
        for index in 0..<platforms { yaml += "  \(StoreScenario.name(index)): { type: simulated, script: \"connect\" }\n" }
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)
    }

    /// The seed model hosting N queued platforms with nothing due for an hour.
    static func modelIdle(bench: String, platforms: Int, seconds: Int) async throws -> IdleResult {
        let child = try ChildProcess(bench, ["host-model", "--queued", "\(platforms)"])
        defer { child.stop() }
        guard let ready = child.waitForLine("ready") else { throw Failed(description: "the model host did not start") }
        return try await idle(child, ready: ready.seconds, seconds: seconds)
    }

    private static func idle(_ child: ChildProcess, ready: Double, seconds: Int) async throws -> IdleResult {
        try await Task.sleep(for: .seconds(2))
        guard let before = child.cpuSeconds() else { throw Failed(description: "cannot read /proc/\(child.pid)/stat") }
        try await Task.sleep(for: .seconds(seconds))
        guard let after = child.cpuSeconds(), let memory = child.memoryKiB() else {
            throw Failed(description: "the process \(child.pid) went away")
        }
        return IdleResult(
            readySeconds: ready, cpuPercent: (after - before) / Double(seconds) * 100, rssKiB: memory.rss,
            peakKiB: memory.peak)
    }

    /// `gatewayd run` with 3 simulated platforms on a fresh database, `runs` times: time to the watcher's first
    /// heartbeat (ready), to all connected, and RSS after `settleSeconds` idle.
    static func oursFootprint(gatewayd: String, runs: Int, settleSeconds: Int, directory: URL) async throws -> FootprintResult {
        var result = FootprintResult()
        for run in 0..<runs {
            let path = directory.appending(path: "foot-\(run)-\(UUID().uuidString).db").path
            let config = path + ".yaml"
            defer {
                for file in [path, path + "-wal", path + "-shm", config] { try? FileManager.default.removeItem(atPath: file) }
            }
            try """
                when_all_failed: stay
                platforms:
                  a: { type: simulated, script: "connect" }
                  b: { type: simulated, script: "connect" }
                  c: { type: simulated, script: "connect" }

                """.write(toFile: config, atomically: true, encoding: .utf8)
            let child = try ChildProcess(gatewayd, ["run", "--config", config, "--db", path, "--log-level", "error"])
            defer { child.stop() }
            var probe: BenchDatabase?
            func value(_ sql: String) -> Int64? {
                if probe == nil { probe = try? BenchDatabase(path: path, readOnly: true) }
                return probe?.firstInteger(sql)
            }
            guard poll(timeout: .seconds(30), { value("SELECT watcher_at FROM daemon_lease") != nil }) else {
                throw Failed(description: "gatewayd did not become ready")
            }
            result.readyMillis.append((ContinuousClock.now - child.started).seconds * 1000)
            guard poll(timeout: .seconds(30), { value("SELECT count(*) FROM platforms WHERE state = 'connected'") == 3 }) else {
                throw Failed(description: "gatewayd did not connect its platforms")
            }
            result.connectedMillis.append((ContinuousClock.now - child.started).seconds * 1000)
            try await Task.sleep(for: .seconds(settleSeconds))
            if let memory = child.memoryKiB() { result.rssKiB.append(memory.rss) }
        }
        return result
    }

    /// The seed model hosting the same 3 platforms: time to its startup connects done, and RSS.
    static func modelFootprint(bench: String, runs: Int, settleSeconds: Int) async throws -> FootprintResult {
        var result = FootprintResult()
        for _ in 0..<runs {
            let child = try ChildProcess(bench, ["host-model", "--connect", "3"])
            defer { child.stop() }
            guard let ready = child.waitForLine("ready") else { throw Failed(description: "the model host did not start") }
            result.readyMillis.append(ready.seconds * 1000)
            result.connectedMillis.append(ready.seconds * 1000)
            try await Task.sleep(for: .seconds(settleSeconds))
            if let memory = child.memoryKiB() { result.rssKiB.append(memory.rss) }
        }
        return result
    }
}
