/// A domain failure of the store: what went wrong, for which platform or file, in words an operator can act on.
///
/// SQLite's own failures are thrown as `SQLiteError`; these are the rules of the state machine and the file format.
public struct StoreError: Error, Sendable, CustomStringConvertible, Equatable {
    /// A stable identifier for the kind of failure, for callers that branch on it.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public var description: String { rawValue }
        public static let schemaTooNew = Code(rawValue: "schema_too_new")
        public static let migrationGap = Code(rawValue: "migration_gap")
        public static let migrationFailed = Code(rawValue: "migration_failed")
        public static let illegalTransition = Code(rawValue: "illegal_transition")
        public static let unknownPlatform = Code(rawValue: "unknown_platform")
        public static let leaseHeld = Code(rawValue: "daemon_lease_held")
        public static let leaseLost = Code(rawValue: "daemon_lease_lost")
        public static let corruptRow = Code(rawValue: "corrupt_row")
        public static let databaseFileGone = Code(rawValue: "database_file_gone")
    }

    public let code: Code
    public let description: String

    private init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    static func schemaTooNew(path: String, database: Int, binary: Int) -> StoreError {
        .init(.schemaTooNew, "\(path): the database has schema version \(database), but this gatewayd only knows up to version \(binary); upgrade gatewayd (nothing was written to the file)")
    }

    static func migrationGap(path: String, database: Int, next: Int) -> StoreError {
        .init(.migrationGap, "\(path): the database is at schema version \(database) but the next embedded migration is \(next)")
    }

    static func migrationFailed(version: Int, name: String, underlying: SQLiteError) -> StoreError {
        .init(.migrationFailed, "migration \(version) (\(name)) failed and was rolled back: \(underlying)")
    }

    public static func illegalTransition(platform: String, from state: PlatformState, action: String) -> StoreError {
        .init(.illegalTransition, "platform '\(platform)' is \(state.rawValue): cannot \(action)")
    }

    public static func unknownPlatform(_ name: String) -> StoreError {
        .init(.unknownPlatform, "no platform named '\(name)' in the database")
    }

    static func leaseHeld(path: String, pid: Int64, host: String, heartbeatAgeMillis: Int64) -> StoreError {
        .init(.leaseHeld, "\(path): another gatewayd is running on this database (pid \(pid) on host \(host), last heartbeat \(heartbeatAgeMillis / 1000) s ago)")
    }

    static func leaseLost(path: String) -> StoreError {
        .init(.leaseLost, "\(path): this daemon's lease was taken over by another process")
    }

    static func databaseFileGone(path: String, problem: String) -> StoreError {
        .init(.databaseFileGone, "\(path): \(problem); stopping, so that a restart opens the file now at this path (writes since the change went to the old file)")
    }

    static func corruptRow(table: String, key: String, detail: String) -> StoreError {
        .init(.corruptRow, "\(table) row '\(key)': \(detail)")
    }
}
