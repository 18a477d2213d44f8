import Foundation
import GatewayPostgres
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

    @Test("bad URLs exit 78 naming the mistake; an unreachable server exits 74 naming host:port; no password is printed")
    func failures() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let bad = try await gw("migrate", "--db", "postgres://gw:topsecret@127.0.0.1:70000/fleet")
        #expect(bad.status == 78 && bad.stderr.contains("port") && !bad.stderr.contains("topsecret"), "\(bad.stderr)")
        let port = try closedLoopbackPort()
        let down = try await gw("migrate", "--db", "postgres://gw@127.0.0.1:\(port)/fleet?sslmode=disable", environment: ["PGPASSWORD": "topsecret"])
        #expect(down.status == 74 && down.stderr.contains("127.0.0.1:\(port)") && !down.stderr.contains("topsecret"), "\(down.stderr)")
        // Supervision on PostgreSQL is not built yet: run and the operator commands say so instead of making a file.
        let config = try gw.config("platforms:\n  up: { type: simulated, script: connect }\n")
        for arguments in [["run", "--config", config.path, "--db", "postgres://gw@127.0.0.1/fleet"], ["status", "--db", "postgres://gw@127.0.0.1/fleet"]] {
            let refused = try await gw.run(arguments)
            #expect(refused.status == 78 && refused.stderr.contains("SQLite database file only"), "\(arguments): \(refused.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: gw.dir.appending(path: "postgres:").path))
    }
}
