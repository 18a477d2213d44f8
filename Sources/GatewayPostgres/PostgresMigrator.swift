import GatewayStore
import Logging
import PostgresNIO

/// The PostgreSQL schema's migrations (migrations/postgres/NNNN_name.sql), embedded at build time like the SQLite
/// ones. A separate line of versions: the two schemas change together but are written in two dialects.
enum EmbeddedMigrations {}
typealias Migration = GatewayStore.Migration

/// Brings a PostgreSQL database to this binary's schema, one migration per transaction, the version recorded in
/// `gatewayd_schema` in the same transaction. Daemons of a fleet starting together serialize on an advisory lock,
/// so each migration runs once; a database newer than this binary is refused before anything is written.
struct PostgresMigrator {
    let location: PostgresLocation
    var migrations: [Migration] = EmbeddedMigrations.all

    /// The lock every migrating gatewayd takes (an arbitrary constant: "gatewayd" in ASCII).
    static let advisoryLock: Int64 = 0x6761_7465_7761_7964

    var latestVersion: Int { migrations.last?.version ?? 0 }

    @discardableResult
    func migrate(_ connection: PostgresConnection, logger: Logger, now: Int64) async throws -> [Int] {
        try await connection.withTransaction(logger: logger) { connection -> [Int] in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.advisoryLock))", logger: logger)
            var current = try await Self.version(connection, logger: logger)
            if current > latestVersion {
                throw FleetStoreError.schemaTooNew(location, database: current, binary: latestVersion)
            }
            var applied: [Int] = []
            for migration in migrations where migration.version > current {
                do {
                    // The error names the migration that failed; the whole transaction (and the lock) is rolled back.
                    for statement in SQLScript.statements(migration.sql) {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        "INSERT INTO gatewayd_schema (version, name, applied_at) VALUES (\(migration.version), \(migration.name), \(now))",
                        logger: logger)
                } catch {
                    let problem = FleetStoreError.wrapping(error, location, doing: "migrating").description
                    throw FleetStoreError.migrationFailed(location, version: migration.version, name: migration.name, problem: problem)
                }
                current = migration.version
                applied.append(migration.version)
            }
            return applied
        }
    }

    /// The schema version: 0 for a database without gatewayd's tables.
    static func version(_ connection: PostgresConnection, logger: Logger) async throws -> Int {
        let exists = try await connection.query("SELECT to_regclass('gatewayd_schema') IS NOT NULL", logger: logger)
            .collect().first?.decode(Bool.self) ?? false
        guard exists else { return 0 }
        return try await connection.query("SELECT coalesce(max(version), 0) FROM gatewayd_schema", logger: logger)
            .collect().first?.decode(Int.self) ?? 0
    }
}
