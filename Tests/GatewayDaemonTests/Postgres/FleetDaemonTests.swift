import Foundation
import GatewayCore
import GatewayPostgres
import GatewayStore
import Logging
import Synchronization
import Testing

@testable import GatewayDaemon
@testable import GatewayRuntime

/// The whole daemon, as `gatewayd run --db postgres://…` assembles it, on a manual clock and a real PostgreSQL, with
/// its lease keeper's way to the database cut (`CuttableLeases`): the safety rule in the runtime, not only in the
/// keeper — connections closed at the bound, nothing recorded, and everything recovered when the database is back.
@Suite("Fleet: a daemon whose lease renewals hang", .enabled(if: PostgresServer.binDirectory != nil, "\(PostgresServer.missing)"))
struct FleetDaemonTests {
    /// Which platforms have a connection open right now (connected and not yet disconnected), and how many times
    /// each was opened.
    final class Connections: Sendable {
        private let state = Mutex<(open: [String: Int], opened: [String: Int])>(([:], [:]))
        var open: [String: Int] { state.withLock { $0.open.filter { $0.value > 0 } } }
        var opened: [String: Int] { state.withLock { $0.opened } }
        func didOpen(_ name: String) { state.withLock { $0.open[name, default: 0] += 1; $0.opened[name, default: 0] += 1 } }
        func didClose(_ name: String) { state.withLock { $0.open[name, default: 0] -= 1 } }
    }

    final class Tracked: PlatformAdapter {
        let inner: any PlatformAdapter
        let name: String
        let connections: Connections
        private let isOpen = Mutex(false)

        init(_ inner: any PlatformAdapter, name: String, connections: Connections) {
            self.inner = inner
            self.name = name
            self.connections = connections
        }

        func connect() async throws {
            try await inner.connect()
            isOpen.withLock { $0 = true }
            connections.didOpen(name)
        }
        func run() async throws { try await inner.run() }
        func send(_ message: OutgoingMessage) async throws -> SentMessage { try await inner.send(message) }
        func disconnect() async {
            if isOpen.withLock({ open in defer { open = false }; return open }) { connections.didClose(name) }
            await inner.disconnect()
        }
        func channels() async -> [ChannelEntry] { await inner.channels() }
    }

    struct TrackingFactory: AdapterMaking {
        let inner = AdapterFactory()
        let connections: Connections
        func makeAdapter(for platform: PlatformConfig, context: AdapterContext) async throws -> any PlatformAdapter {
            Tracked(try await inner.makeAdapter(for: platform, context: context), name: platform.name, connections: connections)
        }
    }

    @Test("renewals hang: the connections close at the safety bound and nothing is recorded; once the database answers, the daemon claims its platforms back and reconnects them")
    func renewalsHang() async throws {
        let clock = ManualClock()
        let database = try await PostgresStore(location: try await SharedPostgres.database(), clock: clock, random: SplitMix64(seed: 3))
        let view = FleetDaemonStore(store: database, daemon: "a")
        let way = CuttableLeases(database)
        let connections = Connections()
        let config = try GatewayConfig.parse(
            yaml: """
                when_all_failed: stay
                platforms:
                  p1: { type: simulated, script: connect }
                  p2: { type: simulated, script: connect }
                """,
            source: "test.yaml", environment: [:], kinds: PlatformKinds.all)
        // Lease 15 s, renewed every 5 s, let go of 3 s before it could run out.
        let daemon = Daemon.assemble(
            config: config, store: view,
            parts: DaemonParts(
                clock: clock, identity: DaemonIdentity(owner: "a", pid: 1, host: "a"),
                factory: TrackingFactory(connections: connections), serveHTTP: false, shutdownSignals: [],
                fleet: FleetMembership(leases: way, operatorWrites: view, settings: LeaseKeeper.Settings())),
            logger: Harness.quietLogger)
        let run = Task { try await daemon.run() }
        let t0 = clock.nowMillis()
        /// Everything waits on the clock: the watcher, the outbox flusher, the inbox dispatcher, and the keeper
        /// between turns or on a hanging turn's deadline.
        func settle(_ what: String) async throws {
            do {
                try await waitUntil(what) {
                    guard way.inFlight == 0, clock.sleeperCount == 4 else { return false }
                    return await daemon.runner.isSettled()
                }
            } catch {
                Issue.record("in flight \(way.inFlight), parked \(way.parked), sleepers \(clock.sleeperCount), watcher: \(await daemon.runner.settleReport())")
                throw error
            }
        }
        func advance(to seconds: Int64) async throws {
            while clock.nowMillis() < t0 + seconds * 1_000 {
                clock.advance(seconds: 1)
                try await settle("t = \((clock.nowMillis() - t0) / 1_000) s")
            }
        }
        func states() async throws -> [String] {
            try await database.records().map { "\($0.record.name) \($0.record.state.rawValue) \($0.owner ?? "-")" }
        }

        try await waitUntil("p1 and p2 are connected") { connections.open == ["p1": 1, "p2": 1] }
        try await settle("connected")
        try await advance(to: 5)  // renewed: the database's lease runs to t = 20, safe here until t = 17
        let events = try await database.events(platform: "p1").count
        way.cut(true)
        try await advance(to: 16)
        #expect(connections.open == ["p1": 1, "p2": 1], "safe until t = 17")
        try await advance(to: 17)
        #expect(connections.open.isEmpty, "let go of at the bound, 3 s before the database's lease ends")
        #expect(try await states() == ["p1 connected a", "p2 connected a"], "nothing recorded: the row may be another's soon")
        #expect(try await database.events(platform: "p1").count == events)

        // The database answers again; the lease ran out at t = 20, when the keeper's next turn claims the rows back.
        way.cut(false)
        try await advance(to: 20)
        try await waitUntil("p1 and p2 are connected again") { connections.open == ["p1": 1, "p2": 1] }
        #expect(connections.opened == ["p1": 2, "p2": 2])
        #expect(try await states() == ["p1 connected a", "p2 connected a"])
        let recovered = try await database.events(platform: "p1").filter { $0.kind == .interrupted }
        #expect(recovered.count == 1 && recovered[0].detail?.contains("let go of the connection") == true, "\(recovered)")

        run.cancel()
        _ = await run.result
        await database.close()
    }
}
