import Foundation
import GatewayCore
import GatewayPostgres
import Logging
import PostgresNIO

/// Failover against the lease length (issue 15), on real processes: two `gatewayd run --db postgres://…` share N
/// simulated platforms; the one owning more is killed with SIGKILL; the time from the kill until every platform it
/// owned is connected again under the other, read from the rows' `connected_since`. The database is emptied between
/// runs (its schema dropped and made again by the next daemon).
struct FailoverSpec: Sendable {
    var leasesSeconds = [3, 6, 12]
    var platforms = 20
    var runs = 3
}

struct FailoverResult: Sendable {
    /// Per lease (ms): each run's failover (ms) — the last of the killed daemon's platforms connected again.
    var runs: [(leaseMillis: Int64, failoverMillis: [Double])] = []
    var problems: [String] = []
}

enum FailoverScenario {
    struct Failed: Error, CustomStringConvertible { let description: String }

    static func run(
        _ spec: FailoverSpec, gatewayd: String, location: PostgresLocation, url: String, directory: URL
    ) async throws -> FailoverResult {
        var result = FailoverResult()
        for lease in spec.leasesSeconds {
            var samples: [Double] = []
            for run in 0..<spec.runs {
                try await emptyDatabase(location)
                do {
                    samples.append(try await once(spec, leaseSeconds: lease, gatewayd: gatewayd, url: url, location: location,
                                                  directory: directory, tag: "\(lease)s-\(run)"))
                } catch {
                    result.problems.append("lease \(lease) s, run \(run + 1): \(error)")
                }
            }
            result.runs.append((Int64(lease) * 1_000, samples))
        }
        try await emptyDatabase(location)
        return result
    }

    private static func once(
        _ spec: FailoverSpec, leaseSeconds: Int, gatewayd: String, url: String, location: PostgresLocation,
        directory: URL, tag: String
    ) async throws -> Double {
        let config = directory.appending(path: "failover-\(tag).yaml").path
        var yaml = """
            when_all_failed: stay
            fleet: { lease: \(leaseSeconds)s }
            reconnect: { base: 1s, cap: 2s, jitter: 0, connect_timeout: 10s }
            platforms:

            """
        for index in 0..<spec.platforms { yaml += "  f\(index): { type: simulated, script: connect }\n" }
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)
        let environment = location.password.map { ["PGPASSWORD": $0] } ?? [:]
        let daemons = try (0..<2).map { _ in
            try ChildProcess(gatewayd, ["run", "--config", config, "--db", url, "--log-level", "error"], environment: environment)
        }
        defer { for daemon in daemons { daemon.stop() } }
        // The first daemon's migration must not race the second's: PostgresStore's migrator serializes them.
        let store = try await PostgresStore(location: location)
        defer { Task { await store.close() } }
        let names = Set((0..<spec.platforms).map { "f\($0)" })
        func connected(excluding: String?) async throws -> [FleetRecord] {
            let now = SystemWallClock().nowMillis()
            return try await store.records().filter {
                names.contains($0.record.name) && $0.record.state == .connected && ($0.ownerUntil ?? 0) > now
                    && $0.owner != nil && $0.owner != excluding
            }
        }
        try await until("all \(spec.platforms) platforms are connected", seconds: 120) {
            try await connected(excluding: nil).count == spec.platforms
        }
        let owners = Dictionary(grouping: try await connected(excluding: nil), by: { $0.owner ?? "" })
        guard let (victim, owned) = owners.max(by: { $0.value.count < $1.value.count }) else { throw Failed(description: "no owner") }
        let pids = Dictionary(uniqueKeysWithValues: try await store.fleet().map { ($0.identity.owner, $0.identity.pid) })
        guard let child = daemons.first(where: { Int64($0.pid) == pids[victim] }) else {
            throw Failed(description: "the owner \(victim) is not one of the bench's daemons")
        }
        let killedAt = SystemWallClock().nowMillis()
        kill(child.pid, SIGKILL)
        let taken = Set(owned.map(\.record.name))
        try await until("the killed daemon's platforms are connected again", seconds: Double(leaseSeconds) * 3 + 60) {
            try await connected(excluding: victim).filter { taken.contains($0.record.name) }.count == taken.count
        }
        let back = try await connected(excluding: victim).filter { taken.contains($0.record.name) }
        return Double((back.compactMap(\.record.connectedSince).max() ?? killedAt) - killedAt)
    }

    private static func until(_ what: String, seconds: Double, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1_000))
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failed(description: "timed out waiting until \(what)")
    }

    /// Drops everything gatewayd made in the database (the next daemon migrates it again).
    static func emptyDatabase(_ location: PostgresLocation) async throws {
        let configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: .disable)
        let connection = try await PostgresConnection.connect(
            configuration: configuration, id: 1, logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
        defer { Task { try? await connection.close() } }
        _ = try await connection.query("DROP SCHEMA public CASCADE", logger: Logger(label: "bench")).collect()
        _ = try await connection.query("CREATE SCHEMA public", logger: Logger(label: "bench")).collect()
    }
}
