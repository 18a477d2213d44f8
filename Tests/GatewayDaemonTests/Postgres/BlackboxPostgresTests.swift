import Foundation
import GatewayCore
import GatewayPostgres
import GatewayStore
import Testing

/// The built binary against a real PostgreSQL: what `--db postgres://…` does today.
@Suite("Black box: PostgreSQL", .enabled(if: PostgresServer.binDirectory != nil, "\(PostgresServer.missing)"))
struct BlackboxPostgresTests {
    @Test("gatewayd migrate --db postgres://… creates the fleet's schema, is a no-op the second time, refuses a newer one")
    func migrate() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let location = try await SharedPostgres.database()
        let url = "postgres://\(location.user)@127.0.0.1:\(location.port)/\(location.database)?sslmode=disable"
        let first = try await gw("migrate", "--db", url)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("postgres://gw@127.0.0.1:\(location.port)/\(location.database): schema version \(PostgresStore.schemaVersion)"))
        let json = try await gw("migrate", "--db", url, "--json")
        #expect(json.status == 0 && json.stdout.contains("\"schema_version\" : \"\(PostgresStore.schemaVersion)\""), "\(json.stdout)")
        // The views answer in psql as in sqlite3.
        let psql = try await PostgresServer.run("/usr/bin/psql", ["-h", "127.0.0.1", "-p", "\(location.port)", "-U", "gw", "-d", location.database,
                                                  "-Atc", "SELECT count(*) FROM reconnect_queue"])
        #expect(psql == "0\n")
        try await PostgresServer.run("/usr/bin/psql", ["-h", "127.0.0.1", "-p", "\(location.port)", "-U", "gw", "-d", location.database,
                                           "-Atc", "INSERT INTO gatewayd_schema VALUES (42, 'future', 0)"])
        let newer = try await gw("migrate", "--db", url)
        #expect(newer.status == 74 && newer.stderr.contains("schema version 42"), "\(newer.stderr)")
    }

    @Test("bad URLs exit 78 naming the mistake; an unreachable server exits 74 naming host:port (migrate and run); no password is printed")
    func failures() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let bad = try await gw("migrate", "--db", "postgres://gw:topsecret@127.0.0.1:70000/fleet")
        #expect(bad.status == 78 && bad.stderr.contains("port") && !bad.stderr.contains("topsecret"), "\(bad.stderr)")
        let port = try closedLoopbackPort()
        let down = try await gw("migrate", "--db", "postgres://gw@127.0.0.1:\(port)/fleet?sslmode=disable", environment: ["PGPASSWORD": "topsecret"])
        #expect(down.status == 74 && down.stderr.contains("127.0.0.1:\(port)") && !down.stderr.contains("topsecret"), "\(down.stderr)")
        // run on an unreachable server exits 74 naming it; the commands that read a file only say so instead of
        // making one.
        let config = try gw.config("platforms:\n  up: { type: simulated, script: connect }\n")
        let run = try await gw.run(
            ["run", "--config", config.path, "--db", "postgres://gw@127.0.0.1:\(port)/fleet?sslmode=disable"],
            environment: ["PGPASSWORD": "topsecret"])
        #expect(run.status == 74 && run.stderr.contains("127.0.0.1:\(port)") && !run.stderr.contains("topsecret"), "\(run.stderr)")
        let refused = try await gw.run(["events", "--db", "postgres://gw@127.0.0.1/fleet"])
        #expect(refused.status == 78 && refused.stderr.contains("SQLite database file only"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: gw.dir.appending(path: "postgres:").path))
    }

    @Test("database: postgres://… in the configuration runs the daemon on PostgreSQL; fleet.max_platforms caps its share")
    func databaseKeyAndShareCap() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let location = try await SharedPostgres.database()
        let url = "postgres://\(location.user)@127.0.0.1:\(location.port)/\(location.database)?sslmode=disable"
        let config = try gw.config("""
            when_all_failed: stay
            database: "\(url)"
            fleet: { lease: 3s, max_platforms: 1 }
            platforms:
              a: { type: simulated, script: connect }
              b: { type: simulated, script: connect }
            """)
        // No --db: the configuration's database is used (DaemonProcess passes --db, so start it by hand).
        let daemon = try gw.start(["run", "--config", config.path], output: gw.dir.appending(path: "run.out"))
        defer { if daemon.isRunning { daemon.terminate() } }
        let store = try await PostgresStore(location: location)
        try await waitUntil("one platform is connected under the daemon's lease", every: .milliseconds(100)) {
            try await store.records().filter { $0.record.state == .connected && $0.owner != nil }.count == 1
        }
        try await Task.sleep(for: .seconds(2))  // two renewal turns (every second with a 3 s lease): still one
        let records = try await store.records()
        #expect(records.filter { $0.owner != nil }.count == 1, "max_platforms: 1 — \(records.map { "\($0.record.name) \($0.owner ?? "-")" })")
        #expect(!FileManager.default.fileExists(atPath: gw.dir.appending(path: "gateway.db").path), "no SQLite file made")
        daemon.terminate()
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
        #expect(try await store.records().allSatisfy { $0.owner == nil }, "released at SIGTERM")
        await store.close()
    }

    @Test("a server that stops answering (SIGSTOP): the daemon stops with 74 after fleet.query_timeout, naming host:port")
    func hungServer() async throws {
        let server = try await PostgresServer()  // a cluster of its own: this test freezes it
        defer { server.shutdown() }
        let location = try await server.createDatabase()
        let gw = try Gatewayd()
        defer { gw.remove() }
        let config = try gw.config("""
            when_all_failed: stay
            fleet: { lease: 3s, query_timeout: 2s }
            platforms:
              a: { type: simulated, script: connect }
            """)
        let url = "postgres://\(location.user)@127.0.0.1:\(location.port)/\(location.database)?sslmode=disable"
        let daemon = try gw.daemon(config, db: url)
        defer { daemon.kill(SIGKILL) }
        let store = try await PostgresStore(location: location)
        try await waitUntil("the platform is connected under the daemon's lease", every: .milliseconds(100)) {
            try await store.records().contains { $0.record.state == .connected && $0.owner != nil }
        }
        await store.close()
        server.freeze()
        // Without a deadline on its queries, the daemon would wait for the server for as long as it stays silent: the
        // lease keeper lets go of the platform in time, but the watcher's next write never returns.
        try await waitUntil("the daemon stops on its own", timeout: .seconds(60), every: .milliseconds(100)) {
            !daemon.process.isRunning
        }
        let (status, log) = await daemon.finished()
        #expect(status == 74, "\(log.suffix(3_000))")
        #expect(log.contains("127.0.0.1:\(location.port)") && log.contains("did not answer within 2s"), "\(log.suffix(3_000))")
    }

    @Test("status shows the fleet and each platform's owner; retry/pause/resume/reset write as the operator from any host")
    func statusAndOperator() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let location = try await SharedPostgres.database()
        let url = "postgres://\(location.user)@127.0.0.1:\(location.port)/\(location.database)?sslmode=disable"
        // A daemon "a" owns p1 (connected) and p2 (queued); p3 is nobody's. (Written through the store, so that
        // each state is exact: a running daemon would move them.)
        let store = try await PostgresStore(location: location)
        try await store.register(["p1", "p2", "p3"].map { PlatformSpec(name: $0, type: "simulated", policy: BackoffPolicy(jitter: 0)) })
        try await store.join(DaemonIdentity(owner: "a", pid: 4242, host: "host-a"))
        let lease: Int64 = 600_000
        _ = try await store.claim(for: "a", share: 2, leaseMillis: lease)
        try await store.apply(.claim(owner: "a", leaseUntil: SystemWallClock().nowMillis() + 60_000), to: "p1", as: .owner("a"))
        try await store.apply(.succeed, to: "p1", as: .owner("a"))

        let status = try await gw("status", "--db", url)
        #expect(status.status == 1, "p2 and p3 are not connected: \(status.stdout) \(status.stderr)")
        #expect(status.stdout.contains("fleet: 1 running — a (pid 4242 on host-a, heartbeat"), "\(status.stdout)")
        #expect(status.stdout.contains("owns 2)"), "\(status.stdout)")
        let lines = status.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first { $0.hasPrefix("p1 ") }?.contains(" connected ") == true)
        #expect(lines.first { $0.hasPrefix("p1 ") }.map { $0.split(separator: " ", omittingEmptySubsequences: true).contains("a") } == true)
        #expect(lines.contains { $0.hasPrefix("p3 ") && $0.split(separator: " ").contains("-") }, "\(status.stdout)")
        let json = try await gw("status", "--db", url, "--json")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.stdout)")
        let fleet = try #require(document["fleet"] as? [[String: Any]])
        #expect(fleet.count == 1 && fleet[0]["owner"] as? String == "a" && fleet[0]["alive"] as? Bool == true && fleet[0]["platforms"] as? Int == 2)
        let platforms = try #require(document["platforms"] as? [[String: Any]])
        #expect(platforms.map { $0["name"] as? String } == ["p1", "p2", "p3"])
        #expect(platforms.map { $0["owner"] as? String } == ["a", "a", nil])
        #expect(platforms[2]["owner"] is NSNull && platforms[0]["state"] as? String == "connected")

        let pause = try await gw("pause", "p3", "--db", url, "--actor", "ops")
        #expect(pause.status == 0 && pause.stdout.hasPrefix("pause: p3 is paused"), "\(pause.stdout) \(pause.stderr)")
        #expect(try await store.record("p3")?.record.state == .paused)
        #expect(try await store.events(platform: "p3").last?.actor == "operator:ops")
        let resume = try await gw("resume", "p3", "--db", url, "--json")
        #expect(resume.status == 0 && resume.stdout.contains("\"state\" : \"backing_off\""), "\(resume.stdout)")
        let retry = try await gw("retry", "p2", "--db", url)
        #expect(retry.status == 0 && retry.stdout.contains("retry: p2 is backing_off, due now"), "\(retry.stdout) \(retry.stderr)")
        let unknown = try await gw("reset", "nope", "--db", url)
        #expect(unknown.status == 1 && unknown.stderr.contains("no platform named 'nope'"), "\(unknown.stderr)")
        let illegal = try await gw("resume", "p1", "--db", url)
        #expect(illegal.status == 1 && illegal.stderr.contains("platform 'p1' is connected"), "\(illegal.stderr)")

        // Every enabled platform connected under a running daemon's lease: healthy, exit 0.
        _ = try await store.claim(for: "a", share: 3, leaseMillis: lease)
        for name in ["p2", "p3"] {
            try await store.apply(.claim(owner: "a", leaseUntil: SystemWallClock().nowMillis() + 60_000), to: name, as: .owner("a"))
            try await store.apply(.succeed, to: name, as: .owner("a"))
        }
        let healthy = try await gw("status", "--db", url)
        #expect(healthy.status == 0, "\(healthy.stdout) \(healthy.stderr)")
        // The daemon stops (gives its platforms back): nobody owns them, not healthy.
        try await store.release(for: "a")
        let stopped = try await gw("status", "--db", url)
        #expect(stopped.status == 1 && stopped.stdout.contains("fleet: no daemon running; gone: a (pid 4242 on host-a, stopped"), "\(stopped.stdout)")
        await store.close()
    }
}
