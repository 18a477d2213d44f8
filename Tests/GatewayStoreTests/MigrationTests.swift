import Foundation
import Testing

@testable import GatewayStore

@Suite("Migrations")
struct MigrationTests {
    /// The repository's migrations/ folder, found from this file's path.
    static let migrationsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "migrations")

    @Test("the embedded migrations are the files in migrations/, byte for byte")
    func embeddedMatchesFiles() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.migrationsDirectory.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files.count == EmbeddedMigrations.all.count)
        for (file, migration) in zip(files, EmbeddedMigrations.all) {
            let text = try String(contentsOf: Self.migrationsDirectory.appending(path: file), encoding: .utf8)
            #expect(file == String(format: "%04d_%@.sql", migration.version, migration.name))
            #expect(text == migration.sql, "\(file) differs from the embedded copy: rebuild")
        }
    }

    @Test("a fresh database gets the latest schema; re-running is a no-op")
    func freshAndRerun() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appending(path: "g.db").path
            let connection = try Connection(path: path, options: .init())
            #expect(try Migrator().migrate(connection) == Array(1...EmbeddedMigrations.latestVersion))
            #expect(try Migrator().migrate(connection).isEmpty)
            #expect(try connection.scalarInt("PRAGMA user_version") == Int64(EmbeddedMigrations.latestVersion))
            let tables = try connection.rows("SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') ORDER BY name") { $0.string(0) }
            #expect(tables == [
                "alert_incidents", "channel_directory", "daemon_lease", "endpoint_probes", "inbox", "message_depths", "outbox", "platform_cursors",
                "platform_events", "platforms", "reconnect_queue",
            ])
        }
    }

    @Test("a database with a newer schema is refused, naming both versions, and nothing is written")
    func newerSchemaRefused() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appending(path: "g.db").path
            do {
                let store = try Store(path: path)
                try await store.startup(configured: [PlatformSpec(name: "a", type: "irc")])
            }
            let future = EmbeddedMigrations.latestVersion + 7
            let raw = try Connection(path: path, options: .init())
            try raw.execute("PRAGMA user_version = \(future)")
            try raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            let before = try Data(contentsOf: URL(fileURLWithPath: path))

            let error = try #require(throws: StoreError.self) { try Store(path: path) }
            #expect(error.code == .schemaTooNew)
            #expect(error.description.contains("version \(future)") && error.description.contains("version \(EmbeddedMigrations.latestVersion)"))
            #expect(error.description.contains(path))
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "the file is untouched")
            #expect(try raw.scalarInt("SELECT count(*) FROM platforms") == 1)
        }
    }

    @Test("a failing migration rolls back fully: no half schema, version unchanged")
    func failingMigrationRollsBack() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appending(path: "g.db").path
            let connection = try Connection(path: path, options: .init())
            try Migrator().migrate(connection)
            let version = EmbeddedMigrations.latestVersion
            let broken = Migrator(migrations: EmbeddedMigrations.all + [
                Migration(version: version + 1, name: "broken", sql: """
                    CREATE TABLE half_done (x INTEGER) STRICT;
                    INSERT INTO half_done VALUES (1);
                    ALTER TABLE platforms ADD COLUMN ok INTEGER;
                    THIS IS NOT SQL;
                    """)
            ])
            let error = try #require(throws: StoreError.self) { try broken.migrate(connection) }
            #expect(error.code == .migrationFailed && error.description.contains("broken"))
            #expect(try connection.scalarInt("PRAGMA user_version") == Int64(version))
            #expect(try connection.scalarInt("SELECT count(*) FROM sqlite_schema WHERE name = 'half_done'") == 0)
            #expect(try connection.scalarInt("SELECT count(*) FROM pragma_table_info('platforms') WHERE name = 'ok'") == 0)
        }
    }

    @Test("the database and its WAL and SHM files are created 0600")
    func filePermissions() async throws {
        try await withStore { store, _, path in
            try await store.startup(configured: [PlatformSpec(name: "a", type: "irc")])
            for file in [path, path + "-wal", path + "-shm"] {
                let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
                #expect(mode == 0o600, "\(file) has mode \(String(mode ?? 0, radix: 8))")
            }
        }
    }
}
