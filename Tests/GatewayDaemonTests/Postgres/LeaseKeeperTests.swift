import Foundation
import GatewayCore
import GatewayPostgres
import GatewayRuntime
import GatewayStore
import Logging
import Synchronization
import Testing

/// A daemon's way to the database that can be cut: while cut, every call hangs until it is given up (cancelled) —
/// a network partition or a database that stopped answering, as that daemon sees it. The others are unaffected.
final class CuttableLeases: FleetLeases {
    private let base: any FleetLeases
    private let state = Mutex<(cut: Bool, inFlight: Int, parked: Int)>((false, 0, 0))

    init(_ base: any FleetLeases) { self.base = base }

    func cut(_ value: Bool) { state.withLock { $0.cut = value } }
    /// Calls under way that are not hanging.
    var inFlight: Int { state.withLock { $0.inFlight } }
    /// Calls hanging on the cut.
    var parked: Int { state.withLock { $0.parked } }

    private func pass<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        if state.withLock({ $0.cut }) {
            state.withLock { $0.parked += 1 }
            defer { state.withLock { $0.parked -= 1 } }
            try await Task.sleep(for: .seconds(86_400))  // until the caller gives up (cancellation)
        }
        state.withLock { $0.inFlight += 1 }
        defer { state.withLock { $0.inFlight -= 1 } }
        return try await body()
    }

    func join(_ daemon: DaemonIdentity) async throws { try await pass { try await base.join(daemon) } }
    func fairShare(for daemon: String, leaseMillis: Int64, maximum: Int) async throws -> Int {
        try await pass { try await base.fairShare(for: daemon, leaseMillis: leaseMillis, maximum: maximum) }
    }
    func claim(for daemon: String, share: Int, leaseMillis: Int64) async throws -> FleetClaim {
        try await pass { try await base.claim(for: daemon, share: share, leaseMillis: leaseMillis) }
    }
    func renew(for daemon: String, leaseMillis: Int64) async throws -> Set<String> {
        try await pass { try await base.renew(for: daemon, leaseMillis: leaseMillis) }
    }
    func release(for daemon: String) async throws { try await pass { try await base.release(for: daemon) } }
    func recover(_ names: [String], for daemon: String) async throws -> [String] {
        try await pass { try await base.recover(names, for: daemon) }
    }
}

@Suite("Fleet: lease keeper", .enabled(if: PostgresServer.binDirectory != nil, "\(PostgresServer.missing)"))
struct LeaseKeeperTests {
    struct Seen: Sendable, Equatable {
        let at: Int64
        let daemon: String
        let change: LeaseKeeper.Change
    }

    final class Recorder: Sendable {
        let items = Mutex<[Seen]>([])
    }

    /// Two daemons' keepers on one real database, on one manual clock; what each reported, and when.
    final class Fleet: Sendable {
        let clock = ManualClock()
        let store: PostgresStore
        let ways: [String: CuttableLeases]
        let keepers: [String: LeaseKeeper]
        let recorder = Recorder()
        let runs = Mutex<[String: Task<Void, any Error>]>([:])
        static let settings = LeaseKeeper.Settings(leaseMillis: 15_000, renewEveryMillis: 5_000, safetyMillis: 3_000)

        init(platforms: [String], daemons: [String]) async throws {
            store = try await PostgresStore(location: try await SharedPostgres.database(), clock: clock)
            try await store.register(platforms.map { PlatformSpec(name: $0, type: "simulated", policy: BackoffPolicy(jitter: 0)) })
            var ways: [String: CuttableLeases] = [:]
            var keepers: [String: LeaseKeeper] = [:]
            let recorder = recorder
            let clock = clock
            for daemon in daemons {
                let way = CuttableLeases(store)
                ways[daemon] = way
                keepers[daemon] = LeaseKeeper(
                    leases: way, identity: DaemonIdentity(owner: daemon, pid: 1, host: daemon), clock: clock,
                    settings: Self.settings, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
                ) { change in recorder.items.withLock { $0.append(Seen(at: clock.nowMillis(), daemon: daemon, change: change)) } }
            }
            self.ways = ways
            self.keepers = keepers
        }

        func start(_ daemon: String) async throws {
            let keeper = try #require(keepers[daemon])
            runs.withLock { $0[daemon] = Task { try await keeper.run() } }
            try await settle()
        }

        /// Waits until every running keeper waits on the clock: between turns, or in a turn whose call hangs on the
        /// cut (then the turn's deadline is what sleeps) — one sleeper each.
        func settle() async throws {
            let running = runs.withLock { Array($0.keys) }
            try await waitUntil("the keepers are idle on the clock") {
                running.allSatisfy { keepers[$0]?.isBetweenTurns == true || (ways[$0]?.parked ?? 0) > 0 }
                    && ways.values.allSatisfy { $0.inFlight == 0 } && clock.sleeperCount == running.count
            }
        }

        /// Ends `daemon`'s keeper as a graceful stop does before it gives the platforms back.
        func cancel(_ daemon: String) async {
            guard let run = runs.withLock({ $0.removeValue(forKey: daemon) }) else { return }
            run.cancel()
            _ = await run.result
        }

        /// Advances the clock by `seconds`, one second at a time, settling after each.
        func advance(seconds: Int) async throws {
            for _ in 0..<seconds {
                clock.advance(seconds: 1)
                try await settle()
            }
        }

        func stop() async {
            for run in runs.withLock({ $0.values }) {
                run.cancel()
                _ = await run.result
            }
            await store.close()
        }
    }

    @Test("a daemon cut off from the database stops its platforms before another daemon can take them over")
    func cutOff() async throws {
        let fleet = try await Fleet(platforms: ["p1", "p2", "p3", "p4"], daemons: ["a", "b"])
        let a = try #require(fleet.keepers["a"]), b = try #require(fleet.keepers["b"])
        try await fleet.start("a")
        #expect(a.held == ["p1", "p2", "p3", "p4"], "alone in the fleet, its share is everything")
        try await fleet.start("b")
        #expect(b.held.isEmpty, "nothing is free: no platform is taken from a live owner")
        try await fleet.advance(seconds: 11)  // renewals at +5 and +10
        #expect(a.held.count == 4 && b.held.isEmpty)
        let lastRenewal = fleet.clock.nowMillis() - 1_000  // +10, sent before the cut
        let databaseUntil = try #require(try await fleet.store.records().compactMap(\.ownerUntil).min())
        #expect(databaseUntil == lastRenewal + 15_000)

        fleet.ways["a"]?.cut(true)
        try await fleet.advance(seconds: 20)
        let seen = fleet.recorder.items.withLock { $0 }
        let lost = try #require(seen.first { $0.daemon == "a" && { if case .lost = $0 { true } else { false } }($0.change) })
        let gained = try #require(seen.first { $0.daemon == "b" && { if case .gained = $0 { true } else { false } }($0.change) })
        #expect(lost.change == .lost(["p1", "p2", "p3", "p4"], reason: "its lease could not be renewed in time (the database did not answer)"))
        #expect(lost.at == lastRenewal + 15_000 - 3_000, "stopped at its last renewal's send time + lease - safety")
        #expect(gained.change == .gained(["p1", "p2", "p3", "p4"]))
        #expect(gained.at >= databaseUntil && gained.at > lost.at, "taken over only after the database's lease ran out")
        #expect(a.held.isEmpty && b.held.count == 4)

        // a's way back: it renews nothing (b owns them now) and finds nothing free; no platform is held twice.
        fleet.ways["a"]?.cut(false)
        try await fleet.advance(seconds: 11)
        #expect(a.held.isEmpty && b.held.count == 4)
        #expect(try await fleet.store.owned(by: "b") == ["p1", "p2", "p3", "p4"])
        await fleet.stop()
    }

    @Test("a killed daemon's platforms are taken over when its lease ends, not at the other's next turn after it")
    func takeoverAtLeaseEnd() async throws {
        let fleet = try await Fleet(platforms: ["p1", "p2", "p3", "p4"], daemons: ["a", "b"])
        let b = try #require(fleet.keepers["b"])
        let t0 = fleet.clock.nowMillis()
        try await fleet.start("a")  // t = 0: a claims everything, under a lease to t = 15
        try await fleet.advance(seconds: 2)
        try await fleet.start("b")  // t = 2: b's turns come at 2, 7, 12, 17 …
        #expect(b.held.isEmpty)
        try await fleet.advance(seconds: 1)
        await fleet.cancel("a")  // t = 3: killed — it renews nothing and releases nothing
        try await fleet.advance(seconds: 15)
        let gained = fleet.recorder.items.withLock { $0 }.filter { $0.daemon == "b" }
        #expect(gained.map(\.change) == [.gained(["p1", "p2", "p3", "p4"])])
        #expect(gained.first?.at == t0 + 15_000, "at a's lease end (t = 15), not at b's turn at t = 17")
        #expect(b.held.count == 4)
        await fleet.stop()
    }

    @Test("a graceful stop gives the platforms back: the other daemon claims them at its next turn")
    func release() async throws {
        let fleet = try await Fleet(platforms: ["p1", "p2"], daemons: ["a", "b"])
        let a = try #require(fleet.keepers["a"]), b = try #require(fleet.keepers["b"])
        try await fleet.start("a")
        try await fleet.start("b")
        #expect(a.held == ["p1", "p2"] && b.held.isEmpty)
        await fleet.cancel("a")
        try await a.release()
        #expect(a.held.isEmpty)
        try await fleet.advance(seconds: 5)
        #expect(b.held == ["p1", "p2"], "claimed at b's next turn, not after a lease")
        await fleet.stop()
    }
}
