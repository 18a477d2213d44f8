import CSQLite
import Foundation
import GatewayStore
import Testing

/// Signals as systemd sends them to the built binary.
@Suite("Black box: signals", .serialized)
struct BlackboxSignalTests {
    @Test("SIGTERM while gatewayd run is still starting (its first write waits on a lock): exit 0, no attempt, lease released")
    func sigtermWhileStarting() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        #expect(try await gw("migrate", "--db", gw.db).status == 0)
        // Another writer holds the database: the daemon's first write (the lease) waits for it (busy timeout 5 s).
        var handle: OpaquePointer?
        #expect(sqlite3_open(gw.db, &handle) == SQLITE_OK)
        defer { sqlite3_close(handle) }
        #expect(sqlite3_exec(handle, "BEGIN IMMEDIATE", nil, nil, nil) == SQLITE_OK)
        let daemon = try gw.daemon(try gw.config("""
            platforms:
              up: { type: simulated, script: "connect" }
            """))
        // Past the configuration: it has the database open (and is waiting on the lock).
        // Bounded wide: a clean-clone CI run, every suite starting its servers at once on two cores, ran out of 20 s.
        try await waitUntil("gatewayd opened the database", timeout: .seconds(60), every: .milliseconds(10)) {
            guard daemon.process.isRunning else {
                Issue.record("gatewayd exited (\(daemon.process.terminationStatus)) before it opened the database: \(daemon.log.suffix(2_000))")
                throw HarnessTimeout()
            }
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon.pid)/fd")) ?? []
            return fds.contains { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(daemon.pid)/fd/\($0)")) == gw.db }
        }
        daemon.kill(SIGTERM)
        try await Task.sleep(for: .milliseconds(200))  // the signal is in before the lock goes
        #expect(sqlite3_exec(handle, "COMMIT", nil, nil, nil) == SQLITE_OK)
        let result = await daemon.finished()
        #expect(result.status == 0, "\(result.stderr.suffix(2_000))")
        let store = try Store(path: gw.db)
        #expect(try await store.daemonLease() == nil, "lease released")
        let kinds = try await store.events(platform: "up", limit: 100).map(\.kind)
        #expect(!kinds.contains(.attemptStarted), "stopped before any attempt: \(kinds)")
    }
}
