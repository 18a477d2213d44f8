import Foundation
import GatewayCore
import GatewayPostgres
import GatewayStore
import Synchronization
import Testing

@Suite("PostgreSQL: operator writes reach the daemons (LISTEN/NOTIFY)", .enabled(if: PostgresServer.binDirectory != nil, "\(PostgresServer.missing)"))
struct OperatorNotifyTests {
    final class Heard: Sendable {
        let names = Mutex<[String]>([])
        let listening = Latch()
    }

    /// Starts listening on `store`; returns once the server confirmed the LISTEN.
    func listen(_ store: PostgresStore, into heard: Heard) async throws -> Task<Void, any Error> {
        let task = Task {
            try await store.listenForOperatorChanges(onListening: { heard.listening.open() }) { name in
                heard.names.withLock { $0.append(name) }
            }
        }
        try await waitUntil("the listener is listening") { heard.listening.isOpen }
        return task
    }

    @Test("an operator's committed write is announced with the platform's name; a daemon's own writes and a refused one are not")
    func announced() async throws {
        let store = try await PostgresStore(location: try await SharedPostgres.database())
        defer { Task { await store.close() } }
        try await store.register(["p1", "p2"].map { PlatformSpec(name: $0, type: "simulated") })
        _ = try await store.claim(for: "d", share: 2, leaseMillis: 600_000)
        let heard = Heard()
        let listener = try await listen(store, into: heard)
        try await store.apply(.pause, to: "p1", as: .operator("ops"))
        try await store.apply(.claim(owner: "d", leaseUntil: SystemWallClock().nowMillis() + 60_000), to: "p2", as: .owner("d"))
        await #expect(throws: StoreError.self, "resume of a row that is not paused: refused, rolled back") {
            try await store.apply(.resume, to: "p2", as: .operator("ops"))
        }
        try await store.apply(.resume, to: "p1", as: .operator("ops"))
        try await waitUntil("both operator writes are heard") { heard.names.withLock { $0.count } >= 2 }
        // Announcements arrive in commit order: had the daemon's write or the refused one been announced, it would
        // have come before the last.
        #expect(heard.names.withLock { $0 } == ["p1", "p1"])
        listener.cancel()
        _ = await listener.result  // ends when cancelled
    }

    @Test("gatewayd pause from another process is heard by a listening daemon")
    func fromTheCommandLine() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let location = try await SharedPostgres.database()
        let store = try await PostgresStore(location: location)
        defer { Task { await store.close() } }
        try await store.register([PlatformSpec(name: "telegram", type: "telegram")])
        let heard = Heard()
        let listener = try await listen(store, into: heard)
        let url = "postgres://\(location.user)@127.0.0.1:\(location.port)/\(location.database)?sslmode=disable"
        let pause = try await gw("pause", "telegram", "--db", url, "--actor", "alice")
        #expect(pause.status == 0, "\(pause.stderr)")
        try await waitUntil("the pause is heard") { heard.names.withLock { $0 } == ["telegram"] }
        listener.cancel()
        _ = await listener.result
    }
}
