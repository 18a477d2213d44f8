import GatewayCore
import GatewayRuntime
import Foundation
import GatewayDaemon
import GatewayStore
import Logging

/// Reconnect lag on the real clock: how long after a retry became due its attempt started.
///
/// N simulated platforms (the shipped `simulated` adapter) connect, drop once at a seeded random moment in the
/// first `dropWindow` seconds, fail their first reconnect with a network error and then connect. Each subject runs
/// alone for `seconds` of real time. Ours: the runner in-process on `SystemGatewayClock` and a real database file;
/// the due time is the row's `next_retry_at` when it was claimed (read by a probe trigger the benchmark adds to its
/// own database), the start is the `attempt_started` event's `at`. The seed model records both itself.
struct LagSpec: Sendable {
    var platforms = 200
    var seconds = 60
    var dropWindowSeconds = 15
}

struct LagResult: Sendable {
    var subject: String
    /// Lag of every reconnect attempt (not the startup connects), ms.
    var lags: [Int64]
}

@MainActor
enum LagScenario {
    static func configs(_ spec: LagSpec) -> [PlatformConfig] {
        var random = SplitMix64(seed: 42)
        return (0..<spec.platforms).map { index in
            let drop = Int64.random(in: 1_000...(Int64(spec.dropWindowSeconds) * 1_000), using: &random)
            let script = "connect, drop after \(drop)ms, then fail network, then connect"
            return PlatformConfig(name: String(format: "p%05d", index), type: .simulated, options: ["script": .string(script)])
        }
    }

    static func ours(_ spec: LagSpec, directory: URL) async throws -> LagResult {
        let path = directory.appending(path: "lag-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try Store(path: path)
        try LagProbe.install(path: path)
        let probe = try BenchDatabase(path: path, readOnly: true)
        let config = GatewayConfig(whenAllFailed: .stay, platforms: configs(spec))
        let daemon = Daemon.assemble(
            config: config, store: store, parts: DaemonParts(serveHTTP: false, shutdownSignals: []),
            logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        let task = Task.detached { try await daemon.run() }
        try await Task.sleep(for: .seconds(spec.seconds))
        task.cancel()
        _ = await task.result
        // Retries only (attempt 2 and later): the first attempt of a new row is the startup connect.
        let rows = try probe.integers("""
            SELECT e.at - c.due_at FROM bench_claims c
            JOIN platform_events e ON e.platform = c.platform AND e.kind = 'attempt_started' AND e.attempt = c.attempt
            WHERE c.attempt >= 2
            """)
        return LagResult(subject: "ours", lags: rows.compactMap { $0[0] })
    }

    static func seed(_ spec: LagSpec) async throws -> LagResult {
        let model = SeedModel(platforms: configs(spec), factory: AdapterFactory(), clock: SystemGatewayClock())
        let task = Task.detached { await model.run() }
        try await Task.sleep(for: .seconds(spec.seconds))
        task.cancel()
        await task.value
        await model.shutdown()
        return LagResult(subject: "seed model", lags: await model.attempts.map { $0.startedAt - $0.dueAt })
    }
}
