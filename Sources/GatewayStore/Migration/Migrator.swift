import CSQLite

/// Brings a database to the schema of this binary, one migration per transaction.
///
/// The schema version lives in the database header (`PRAGMA user_version`), set in the same transaction as the
/// migration's own statements: a migration either applies fully, version included, or not at all.
struct Migrator {
    let migrations: [Migration]

    init(migrations: [Migration] = EmbeddedMigrations.all) {
        self.migrations = migrations
    }

    var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Refuses a database written by a newer gatewayd. Reads only: safe to call before anything is written.
    func checkNotNewer(_ connection: Connection) throws {
        let current = Int(try connection.scalarInt("PRAGMA user_version") ?? 0)
        if current > latestVersion {
            throw StoreError.schemaTooNew(path: connection.path, database: current, binary: latestVersion)
        }
    }

    /// Applies every migration newer than the database's version. Returns the versions applied (empty: a no-op).
    @discardableResult
    func migrate(_ connection: Connection) throws -> [Int] {
        try checkNotNewer(connection)
        var applied: [Int] = []
        for migration in migrations {
            let done = try connection.transaction { () throws -> Bool in
                // Re-read inside the write lock: another process may have migrated meanwhile.
                let current = Int(try connection.scalarInt("PRAGMA user_version") ?? 0)
                guard migration.version > current else { return false }
                guard migration.version == current + 1 else {
                    throw StoreError.migrationGap(path: connection.path, database: current, next: migration.version)
                }
                do {
                    try connection.executeScript(migration.sql)
                } catch let error as SQLiteError {
                    throw StoreError.migrationFailed(version: migration.version, name: migration.name, underlying: error)
                }
                try connection.execute("PRAGMA user_version = \(migration.version)")
                return true
            }
            if done { applied.append(migration.version) }
        }
        return applied
    }
}
