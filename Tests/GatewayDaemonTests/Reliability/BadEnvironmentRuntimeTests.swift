import Foundation
import GatewayCore
import GatewayRuntime
import GatewayDaemon
import GatewayStore
import Testing

/// What goes wrong with the database while the real daemon runs: the disk fills up, the file is deleted or replaced.
/// In each case the daemon stops loudly with exit 74 (systemd restarts it) instead of going on silently.
@Suite("Bad environments: a running daemon", .serialized)
struct BadEnvironmentRuntimeTests {
    @Test("disk full: SQLITE_FULL naming the file, exit 74, nothing committed lost, the file sound",
          .enabled(if: Privileges.canMount, "needs mount -t tmpfs (root with CAP_SYS_ADMIN)"))
    func diskFull() async throws {
        let scratch = try Scratch("full")
        defer { scratch.remove() }
        let mount = try TmpfsMount(at: scratch.dir.appending(path: "mnt"), size: "8m")
        defer { mount.unmount() }
        let db = mount.path("gateway.db")
        let config = try scratch.write("gatewayd.yaml", busyConfig)
        let daemon = try GatewaydProcess(["run", "--config", config, "--db", db, "--log-level", "info"], in: scratch.dir)
        let store = try Store(path: db)
        try await eventually("the daemon has recorded failures") {
            try await store.platforms().filter { $0.attempts >= 2 }.count == 3
        }
        // Committed before the disk fills: 30 messages and the history so far.
        for index in 0..<30 {
            _ = try await DeliveryRouter.enqueue(
                store: store, kinds: PlatformKinds.all, platform: "a", target: "#c", text: "kept \(index)", expiresAt: nil, idempotencyKey: nil)
        }
        let eventsBefore = try await store.events(platform: "a", limit: 1_000).count
        let filled = mount.fill("filler")
        #expect(filled > 0)

        let result = await daemon.finish(within: .seconds(60))
        #expect(result.status == 74, "\(result.stderr.suffix(2_000))")
        let line = result.stderr.split(separator: "\n").first { $0.hasPrefix("error: ") }.map(String.init) ?? ""
        #expect(line.hasPrefix("error: \(db): "), "the file is named: \(line)")
        #expect(line.contains("database or disk is full") && line.contains("SQLite code 13"), "\(line)")
        #expect(line.contains("the disk or the database size limit is full"), "\(line)")
        #expect(result.stderr.contains("stopping: the reconnect watcher failed"), "logged as well")

        try FileManager.default.removeItem(atPath: mount.path("filler"))
        #expect(try await store.integrityCheck() == ["ok"])
        let kept = try await store.outbox(states: [.queued]).filter { $0.text.hasPrefix("kept ") }
        #expect(kept.count == 30, "nothing committed was lost")
        #expect(try await store.events(platform: "a", limit: 1_000).count >= eventsBefore)
        #expect(try await store.platforms().map(\.name).sorted() == ["a", "b", "c"])

        // With space again, the next run resumes from the file.
        let again = try GatewaydProcess(["run", "--config", config, "--db", db], in: scratch.dir)
        try await eventually("the restarted daemon holds the lease") { try await store.daemonLease()?.identity.pid == Int64(again.pid) }
        again.signal(SIGTERM)
        #expect(await again.finish().status == 0)
    }

    @Test("the file deleted under the daemon: it stops within seconds, exit 74 naming the file; a restart starts afresh")
    func fileDeleted() async throws {
        let scratch = try Scratch("deleted")
        defer { scratch.remove() }
        let db = scratch.path("gateway.db")
        let config = try scratch.write("gatewayd.yaml", busyConfig)
        let daemon = try GatewaydProcess(["run", "--config", config, "--db", db], in: scratch.dir)
        try await eventually("the daemon holds the lease") {
            try await Store(path: db, settings: StoreSettings(connection: .init(create: false))).daemonLease() != nil
        }
        try FileManager.default.removeItem(atPath: db)

        let result = await daemon.finish(within: .seconds(60))
        #expect(result.status == 74, "\(result.stderr.suffix(2_000))")
        #expect(result.stderr.contains("error: \(db): the database file was deleted while gatewayd had it open"), "\(result.stderr.suffix(2_000))")
        #expect(!FileManager.default.fileExists(atPath: db + "-wal"), "the old WAL is closed and removed with the old file")

        // What systemd does next: a fresh file, a fresh schedule.
        let next = try GatewaydProcess(["run", "--config", config, "--db", db], in: scratch.dir)
        let store = try Store(path: db)
        try await eventually("the new file is in use") { try await store.daemonLease()?.identity.pid == Int64(next.pid) }
        #expect(try await store.integrityCheck() == ["ok"])
        next.signal(SIGTERM)
        #expect(await next.finish().status == 0)
    }

    @Test("the file replaced under the daemon (a restore renamed over it): exit 74; the restart uses the restored file untouched by the old WAL")
    func fileReplaced() async throws {
        let scratch = try Scratch("replaced")
        defer { scratch.remove() }
        let db = scratch.path("gateway.db")
        let restored = scratch.path("restored.db")
        try await makeRealDatabase(at: restored, messages: 7)
        let config = try scratch.write("gatewayd.yaml", busyConfig)
        let daemon = try GatewaydProcess(["run", "--config", config, "--db", db], in: scratch.dir)
        try await eventually("the daemon has written history") {
            try await Store(path: db, settings: StoreSettings(connection: .init(create: false))).events(platform: "a").count > 5
        }
        #expect(rename(restored, db) == 0)

        let result = await daemon.finish(within: .seconds(60))
        #expect(result.status == 74, "\(result.stderr.suffix(2_000))")
        #expect(result.stderr.contains("error: \(db): the database file was replaced while gatewayd had it open"), "\(result.stderr.suffix(2_000))")

        let store = try Store(path: db)
        #expect(try await store.integrityCheck() == ["ok"])
        #expect(try await store.outbox(states: [.queued]).count == 7, "the restored file, not the old one's WAL")
        #expect(try await store.daemonLease() == nil, "no lease of the old daemon was applied to the restored file")
    }
}
