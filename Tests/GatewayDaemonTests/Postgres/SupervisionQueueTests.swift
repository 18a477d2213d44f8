import Foundation
import GatewayCore
import GatewayPostgres
import GatewayStore
import Testing

/// The watcher's queue (`SupervisionQueue`) on both backends: one body runs on the SQLite `Store` and on a daemon's
/// `FleetQueue` over a real PostgreSQL, and every row must come out the same after every step.
@Suite("Supervision queue: SQLite and PostgreSQL", .enabled(if: PostgresServer.binDirectory != nil, "\(PostgresServer.missing)"))
struct SupervisionQueueTests {
    /// SQLite or PostgreSQL (the black-box tests' choice of database, here for the stores themselves).
    typealias Backend = BlackboxBackend

    static let policy = BackoffPolicy(baseMillis: 30_000, factor: 2, jitter: 0, connectTimeoutMillis: 30_000, stablePeriodMillis: 600_000)
    static let daemon = "daemon-1"
    static let names = ["a", "b", "c", "d"]

    static func specs(_ names: [String]) -> [PlatformSpec] {
        names.map { PlatformSpec(name: $0, type: "simulated", fingerprint: "fp-\($0)", policy: policy, endpoint: "tcp://chat.example:6667") }
    }

    /// A fresh queue holding `names`, all due now and (on PostgreSQL) owned by `daemon`; the pull-forward window is 0
    /// so that a pull-forward is exact on both.
    static func queue(_ backend: Backend, clock: ManualClock, names: [String] = names) async throws -> (any SupervisionQueue, @Sendable () async -> Void) {
        switch backend {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appending(path: "queue-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let store = try Store(
                path: directory.appending(path: "gateway.db").path, clock: clock,
                settings: StoreSettings(pullForwardWindowMillis: 0))
            _ = try await store.startup(configured: specs(names))
            return (store, { try? FileManager.default.removeItem(at: directory) })
        case .postgres:
            let store = try await PostgresStore(location: try await SharedPostgres.database(), clock: clock, pullForwardWindowMillis: 0)
            try await store.register(specs(names))
            try await store.join(DaemonIdentity(owner: daemon, pid: 1, host: "h"))
            _ = try await store.claim(for: daemon, share: names.count, leaseMillis: 86_400_000)
            return (FleetQueue(store: store, daemon: daemon), { await store.close() })
        }
    }

    /// Gives every platform in `later` a login slot `delay` from now; the others go at once.
    struct Gate: LoginGate {
        let later: Set<String>
        let delay: Int64
        func slot(for platform: String, now: Int64) -> LoginSlotGrant {
            LoginSlotGrant(start: later.contains(platform) ? now + delay : now, detail: "test budget")
        }
        func holdsSlot(for platform: String, now: Int64) -> Bool { false }
    }

    /// The script: every operation of the watcher, in the situations it meets. Returns every row after every step.
    static func script(_ queue: any SupervisionQueue, clock: ManualClock) async throws -> [String] {
        var log: [String] = []
        func snapshot(_ step: String, _ extra: String = "") async throws {
            for name in names {
                let row = try #require(try await queue.platform(name))
                log.append("\(step) \(extra)| \(row)")
            }
        }
        let owner = daemon
        let network = PlatformFailure(.network, code: "ECONNREFUSED", message: "connection refused (chat.example:6667)")
        let claimed = try await queue.claimDue(owner: owner, limit: 1_000, leaseMarginMillis: 5_000, gate: nil).map(\.name)
        #expect(claimed == names)
        try await snapshot("claim all", "\(claimed)")
        try await queue.recordSuccess("a", owner: owner, gate: nil)
        try await queue.recordFailure("b", owner: owner, failure: network)
        let auth = try await queue.recordFailure("c", owner: owner, failure: PlatformFailure(.auth, code: "401", message: "Unauthorized"))
        #expect(auth.state == .needsAttention)
        try await snapshot("outcomes", "next wake \(try await queue.nextWakeAt() ?? -1)")
        #expect(try await queue.nextWakeAt() == clock.nowMillis() + 30_000, "b's retry comes before d's lease and a's stable period")

        clock.advance(seconds: 30)
        #expect(try await queue.claimDue(owner: owner, limit: 1_000, leaseMarginMillis: 5_000, gate: nil).map(\.name) == ["b"])
        try await queue.recordFailure("b", owner: owner, failure: network)
        clock.advance(seconds: 5)
        #expect(try await queue.expireLeases() == ["d"], "d's attempt lease (30 s + 5 s) ran out")
        try await snapshot("b failed twice, d's lease expired")

        // Paced: d is due but its login slot is 2 s away.
        clock.advance(seconds: 30)
        let paced = try await queue.claimDue(owner: owner, limit: 1_000, leaseMarginMillis: 5_000, gate: Gate(later: ["d"], delay: 2_000))
        #expect(paced.isEmpty)
        #expect(try await queue.platform("d")?.nextRetryAt == clock.nowMillis() + 2_000)
        try await snapshot("paced")
        clock.advance(seconds: 2)
        #expect(try await queue.claimDue(owner: owner, limit: 1_000, leaseMarginMillis: 5_000, gate: nil).map(\.name) == ["d"])
        try await queue.recordFailure("d", owner: owner, failure: network)  // its second: due in 60 s
        clock.advance(seconds: 30)  // b's second retry (due 25 s ago) is due; d's is not
        #expect(try await queue.claimDue(owner: owner, limit: 1_000, leaseMarginMillis: 5_000, gate: nil).map(\.name) == ["b"])
        let dDue = try #require(try await queue.platform("d")?.nextRetryAt)
        #expect(dDue > clock.nowMillis())
        // b recovers from a network failure: the network is back, d (network, due later) is pulled forward.
        try await queue.recordSuccess("b", owner: owner, gate: nil)
        #expect(try await queue.platform("d")?.nextRetryAt == clock.nowMillis())
        try await snapshot("b recovered, d pulled forward")

        try await queue.recordDisconnect("a", failure: network)
        #expect(try await queue.claimDue(owner: owner, limit: 1_000, leaseMarginMillis: 5_000, gate: nil).map(\.name) == ["d"])
        try await snapshot("a dropped, d claimed")
        clock.advance(seconds: 600)
        #expect(try await queue.stabilizeDue() == ["b"])
        // Not this daemon's attempt (c waits for a human; a is queued): refused, nothing written.
        for name in ["c", "a"] {
            await #expect(throws: StoreError.self) { try await queue.recordSuccess(name, owner: owner, gate: nil) }
        }
        try await queue.recordStopped("d", owner: owner)
        try await queue.recordStopped("b", owner: owner)
        try await queue.recordStopped("c", owner: owner)
        try await snapshot("stable, stopped", "next wake \(try await queue.nextWakeAt() ?? -1)")
        return log
    }

    @Test("the watcher's operations, each in the situations it meets", arguments: Backend.allCases)
    func operations(backend: Backend) async throws {
        let clock = ManualClock()
        let (queue, close) = try await Self.queue(backend, clock: clock)
        defer { Task { await close() } }
        _ = try await Self.script(queue, clock: clock)
    }

    @Test("after every step of the same script, every row is the same on both stores")
    func sameRows() async throws {
        var logs: [[String]] = []
        for backend in Backend.allCases {
            let clock = ManualClock()
            let (queue, close) = try await Self.queue(backend, clock: clock)
            logs.append(try await Self.script(queue, clock: clock))
            await close()
        }
        #expect(logs[0].count == logs[1].count && !logs[0].isEmpty)
        for (sqlite, postgres) in zip(logs[0], logs[1]) where sqlite != postgres {
            Issue.record("SQLite and PostgreSQL differ:\n  \(sqlite)\n  \(postgres)")
        }
    }

    @Test("in a fleet, a daemon's queue is its own rows only: it claims, wakes for and writes nothing else")
    func ownRowsOnly() async throws {
        let clock = ManualClock()
        let store = try await PostgresStore(location: try await SharedPostgres.database(), clock: clock)
        defer { Task { await store.close() } }
        try await store.register(Self.specs(["p1", "p2", "p3", "p4"]))
        _ = try await store.claim(for: "one", share: 2, leaseMillis: 60_000)
        _ = try await store.claim(for: "two", share: 2, leaseMillis: 60_000)
        let one = FleetQueue(store: store, daemon: "one"), two = FleetQueue(store: store, daemon: "two")
        let mine = try await store.owned(by: "one")
        #expect(mine.count == 2)
        #expect(try await one.claimDue(owner: "one", limit: 1_000, leaseMarginMillis: 5_000, gate: nil).map(\.name) == mine)
        #expect(try await one.nextWakeAt() == clock.nowMillis() + 35_000, "its attempts' leases; two's due rows are not its work")
        #expect(try await two.nextWakeAt() == clock.nowMillis())
        let before = try await store.records()
        await #expect { try await two.recordSuccess(mine[0], owner: "two", gate: nil) } throws: {
            ($0 as? FleetStoreError)?.code == .notOwner
        }
        await #expect(throws: FleetStoreError.self, "an attempt is claimed for the queue's own daemon only") {
            try await two.claimDue(owner: "one", limit: 1_000, leaseMarginMillis: 5_000, gate: nil)
        }
        try await two.recordStopped(mine[0], owner: "two")
        #expect(try await two.expireLeases().isEmpty)
        #expect(try await store.records() == before, "nothing written")
    }

    @Test("after a takeover, the old owner's late results change nothing")
    func lateResultsAfterTakeover() async throws {
        let clock = ManualClock()
        let store = try await PostgresStore(location: try await SharedPostgres.database(), clock: clock)
        defer { Task { await store.close() } }
        try await store.register(Self.specs(["tg"]))
        _ = try await store.claim(for: "old", share: 1, leaseMillis: 15_000)
        let old = FleetQueue(store: store, daemon: "old")
        #expect(try await old.claimDue(owner: "old", limit: 1_000, leaseMarginMillis: 5_000, gate: nil).map(\.name) == ["tg"])
        clock.advance(seconds: 15)  // old stopped renewing (hung): its lease ran out
        #expect(try await store.claim(for: "new", share: 1, leaseMillis: 15_000).takenOver == ["tg"])
        let taken = try await store.records()
        #expect(taken.first?.record.state == .backingOff && taken.first?.record.attempts == 1, "the attempt in flight counted")
        await #expect { try await old.recordSuccess("tg", owner: "old", gate: nil) } throws: {
            ($0 as? FleetStoreError)?.code == .notOwner && "\($0)".contains("owned by daemon new")
        }
        await #expect(throws: FleetStoreError.self) {
            try await old.recordFailure("tg", owner: "old", failure: PlatformFailure(.network, message: "late"))
        }
        try await old.recordStopped("tg", owner: "old")
        #expect(try await old.expireLeases().isEmpty)
        #expect(try await old.claimDue(owner: "old", limit: 1_000, leaseMarginMillis: 5_000, gate: nil).isEmpty)
        #expect(try await store.records() == taken, "nothing written")
    }
}
