import Foundation
import GatewayCore
import GatewayPostgres
import GatewayStore

/// The fleet's store on PostgreSQL against the SQLite store (issue 15): what one durable state transition costs on
/// each (the same `SupervisionQueue` operations, so the same work), and how fast three daemons claim a fleet's
/// platforms at once (`FOR UPDATE SKIP LOCKED`), with every platform claimed exactly once.
struct FleetSpec: Sendable {
    var platforms = 3_000
    var samples = 500
    var daemons = 3
    /// Platforms a daemon asks for per claim.
    var bite = 50
}

struct FleetResult: Sendable {
    var sqliteCycleNanos: [Double] = []
    var postgresCycleNanos: [Double] = []
    var claimSeconds: Double = 0
    var claimed = 0
    var claimCalls = 0
    /// Platforms claimed by more than one daemon (must be 0).
    var duplicates = 0
    var perDaemon: [Int] = []
}

@MainActor
enum FleetScenario {
    static let owner = "bench"
    static let policy = BackoffPolicy(jitter: 0)

    static func specs(_ count: Int) -> [PlatformSpec] {
        (0..<count).map { PlatformSpec(name: StoreScenario.name($0), type: "simulated", policy: policy) }
    }

    static func run(_ spec: FleetSpec, location: PostgresLocation, directory: URL) async throws -> FleetResult {
        var result = FleetResult()
        // SQLite: a database file, default settings (WAL, synchronous=NORMAL).
        let clock = ManualClock(nowMillis: SystemWallClock().nowMillis())
        let path = directory.appending(path: "fleet-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let sqlite = try Store(path: path, clock: clock)
        _ = try await sqlite.startup(configured: specs(spec.platforms))
        result.sqliteCycleNanos = try await cycles(sqlite, clock: clock, samples: spec.samples)

        // PostgreSQL: the same rows, one daemon owning them all.
        let pgClock = ManualClock(nowMillis: SystemWallClock().nowMillis())
        let postgres = try await PostgresStore(location: location, clock: pgClock)
        try await postgres.register(specs(spec.platforms))
        _ = try await postgres.claim(for: owner, share: spec.platforms, leaseMillis: 86_400_000 * 365)
        result.postgresCycleNanos = try await cycles(FleetQueue(store: postgres, daemon: owner), clock: pgClock, samples: spec.samples)
        try await postgres.release(for: owner)
        await postgres.close()

        try await claims(spec, location: location, into: &result)
        return result
    }

    /// Per sample: everything becomes due (the clock moves an hour), then the soonest row is claimed and its attempt
    /// recorded as failed — two durable transactions, each with its event.
    static func cycles(_ queue: any SupervisionQueue, clock: ManualClock, samples: Int) async throws -> [Double] {
        let failure = PlatformFailure(.network, code: "ECONNREFUSED", message: "connection refused")
        var nanos: [Double] = []
        for index in 0..<(samples + 20) {
            clock.advance(seconds: 3_600)
            let begin = ContinuousClock.now
            guard let row = try await queue.claimDue(owner: owner, limit: 1, leaseMarginMillis: 5_000, gate: nil).first else {
                throw BenchError("fleet: nothing due to claim")
            }
            try await queue.recordFailure(row.name, owner: owner, failure: failure)
            if index >= 20 { nanos.append((ContinuousClock.now - begin).nanos) }  // the first 20 warm up
        }
        return nanos
    }

    /// `daemons` stores (each its own pool, as separate processes would have) claim in bites until nothing is left.
    static func claims(_ spec: FleetSpec, location: PostgresLocation, into result: inout FleetResult) async throws {
        let setup = try await PostgresStore(location: location)
        // Fresh rows: whatever the cycles left is given back first.
        try await setup.release(for: owner)
        await setup.close()
        var stores: [PostgresStore] = []
        for _ in 0..<spec.daemons { stores.append(try await PostgresStore(location: location)) }
        let begin = ContinuousClock.now
        let perDaemon = try await withThrowingTaskGroup(of: (names: [String], calls: Int).self) { group in
            for (index, store) in stores.enumerated() {
                group.addTask {
                    var mine: [String] = [], calls = 0
                    while true {
                        calls += 1
                        let taken = try await store.claim(for: "bench-\(index)", share: mine.count + spec.bite, leaseMillis: 600_000)
                        if taken.claimed.isEmpty { return (mine, calls) }
                        mine += taken.claimed
                    }
                }
            }
            var all: [(names: [String], calls: Int)] = []
            for try await daemon in group { all.append(daemon) }
            return all
        }
        result.claimSeconds = (ContinuousClock.now - begin).seconds
        let all = perDaemon.flatMap(\.names)
        result.claimed = Set(all).count
        result.duplicates = all.count - Set(all).count
        result.claimCalls = perDaemon.map(\.calls).reduce(0, +)
        result.perDaemon = perDaemon.map(\.names.count).sorted()
        for (index, store) in stores.enumerated() {
            try await store.release(for: "bench-\(index)")
            await store.close()
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
