import GatewayCore
import CSQLite
import Foundation

/// The gateway's database: the reconnect queue, its history, cursors and the daemon lease, in one SQLite file.
///
/// The only way the rest of gatewayd touches the database. Every state change and its event are written in one
/// `BEGIN IMMEDIATE` transaction. An actor, because the SQLite connection is not thread-safe (opened NOMUTEX) and not
/// Sendable: the actor is its one owner and serialises every call. It runs on its own queue (`QueueExecutor`) so
/// blocking SQLite calls never occupy the cooperative thread pool.
///
/// ```swift
/// let store = try Store(path: "gateway.db")
/// try await store.reconcile([PlatformSpec(name: "tg", type: "telegram")])
/// ```
public actor Store {
    public nonisolated let path: String
    let connection: Connection
    let clock: any WallClock
    let settings: StoreSettings
    var random: SplitMix64
    /// Per-platform policies, learnt from the configuration at `startup`; others use the configuration's common policy
    /// (`BackoffPolicy.standard` before any `startup`).
    /// Each distinct policy is kept once (most platforms share the global one): at 100,000 platforms a policy per
    /// name was 27 MB of the daemon's memory.
    var policies = PolicyTable()
    private let executor: QueueExecutor

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Opens (creating if needed, mode 0600) and migrates the database at `path`.
    ///
    /// - Throws: `SQLiteError` naming the file and cause (not a database, read-only, locked beyond the busy
    ///   timeout, …); `StoreError.schemaTooNew` when the file was written by a newer gatewayd — nothing is written
    ///   to it then.
    public init(
        path: String,
        clock: any WallClock = SystemWallClock(),
        settings: StoreSettings = StoreSettings(),
        random: SplitMix64 = SplitMix64()
    ) throws {
        self.path = path
        self.clock = clock
        self.settings = settings
        self.random = random
        executor = QueueExecutor(label: "gatewayd.store")
        let connection = try Connection(path: path, options: settings.connection)
        let migrator = Migrator()
        // Check before the first write: switching to WAL rewrites the header of a database in another mode.
        try migrator.checkNotNewer(connection)
        if settings.verifyOnOpen, !VerifiedStamp.vouches(for: path) { try Self.verify(connection) }
        let mode = try connection.first("PRAGMA journal_mode = WAL") { $0.string(0) }
        guard mode?.lowercased() == "wal" else {
            throw SQLiteError(code: 8, message: "cannot switch the database to WAL mode (got \(mode ?? "nothing"))", path: path)
        }
        try migrator.migrate(connection)
        connection.recordSidecars()
        self.connection = connection
    }

    /// The schema version this binary writes.
    public static var schemaVersion: Int { EmbeddedMigrations.latestVersion }

    /// The database's schema version (`PRAGMA user_version`).
    public func databaseSchemaVersion() throws -> Int { Int(try connection.scalarInt("PRAGMA user_version") ?? 0) }

    /// Changes whenever another connection — another process, such as an operator's CLI — commits.
    /// Poll it to notice external writes without reading any table.
    public func dataVersion() throws -> Int64 { try connection.dataVersion() }

    /// Fails when the file at `path` is no longer the one this store opened: deleted, or replaced (a restore copied
    /// over it, a rename). Such a daemon would go on writing to a file nobody can see. One `stat`, cheap to poll.
    /// - Throws: `StoreError.databaseFileGone` naming the file and what happened.
    public func checkFileStillInPlace() throws {
        if let problem = connection.fileProblem() { throw StoreError.databaseFileGone(path: path, problem: problem) }
    }

    /// Closes the database now rather than whenever the last reference goes. Call it before exiting on a database
    /// failure: closing checkpoints the WAL into the file it belongs to and removes the `-wal`/`-shm` files, so a WAL
    /// left from a deleted or replaced file is never applied to the one a restart finds at the path. Every later call
    /// fails.
    public func close() { connection.closeHandle() }

    /// How ``verify(path:)`` found the file sound.
    public enum Verification: Sendable, Equatable {
        /// No file yet: nothing to check.
        case noFile
        /// Unchanged since a clean stop checked it (its `-verified` note, ``VerifiedStamp``): the check was skipped.
        case unchangedSinceStop
        /// `PRAGMA quick_check` read every page.
        case checked
    }

    /// The check ``init(path:clock:settings:random:)`` makes with `verifyOnOpen`, on a connection of its own, so that
    /// a caller can run it beside other work (`gatewayd run` checks while it parses the configuration: the check reads
    /// every page, half a second at 100,000 platforms). Skipped when the file is byte for byte what a clean stop
    /// checked (``stopVerified()``). Nothing is written.
    /// - Throws: `SQLiteError` naming the file and the damage found.
    public static func verify(path: String) throws -> Verification {
        guard FileManager.default.fileExists(atPath: path) else { return .noFile }
        if VerifiedStamp.vouches(for: path) { return .unchangedSinceStop }
        try verify(Connection(path: path, options: ConnectionOptions(create: false)))
        return .checked
    }

    /// Closes the database (see ``close()``), checks the file as it was left and notes beside it that these bytes are
    /// sound, so that the next start need not read every page again (``verify(path:)``). For a clean stop, after the
    /// last write. Returns what the check found: `.noted`, or why there is no note — damage (the next start refuses
    /// the file), another process holding changes in the WAL, or a directory that cannot take the file.
    @discardableResult
    public func stopVerified() -> StopCheck {
        connection.closeHandle()
        return VerifiedStamp.stamp(path)
    }

    /// `PRAGMA quick_check` before anything is written, so a damaged file is refused instead of written into (which can
    /// spread the damage). Reads every page once: milliseconds for a gatewayd database of a few megabytes.
    private static func verify(_ connection: Connection) throws {
        let problems = try connection.rows("PRAGMA quick_check(3)") { $0.string(0) }
        guard problems != ["ok"] else { return }
        // One line: quick_check's rows can hold line breaks and a "*** in database main ***" heading.
        let found = problems.flatMap { $0.split(whereSeparator: \.isNewline) }
            .filter { !$0.hasPrefix("***") }.prefix(3).joined(separator: "; ")
        throw connection.error(code: SQLITE_CORRUPT, message: "PRAGMA quick_check found damage: \(found)")
    }

    /// Runs `PRAGMA integrity_check`; "ok" when the file is sound.
    public func integrityCheck() throws -> [String] {
        try connection.rows("PRAGMA integrity_check") { $0.string(0) }
    }

    func now() -> Int64 { clock.nowMillis() }

    func policy(for name: String) -> BackoffPolicy { policies[name] }

    // MARK: - Applying transitions

    /// Reads the row, applies `action` through the state machine, writes the row and its event. Call inside a
    /// transaction.
    @discardableResult
    func applyInTransaction(_ action: PlatformAction, to name: String, actor: Actor, now: Int64) throws -> PlatformRecord {
        guard let record = try readRecord(name) else { throw StoreError.unknownPlatform(name) }
        let machine = PlatformMachine(policy: policy(for: name), now: now)
        let outcome = try machine.apply(action, to: record, random: &random)
        try writeRecord(outcome.record)
        try appendEvent(
            PlatformEvent(
                platform: name, at: now, kind: outcome.event, fromState: record.state, toState: outcome.record.state,
                attempt: outcome.record.attempts, errorClass: outcome.errorClass, detail: outcome.detail,
                actor: actor.description))
        return outcome.record
    }

    /// `applyInTransaction` in its own transaction.
    @discardableResult
    func apply(_ action: PlatformAction, to name: String, actor: Actor) throws -> PlatformRecord {
        let now = now()
        return try connection.transaction { try applyInTransaction(action, to: name, actor: actor, now: now) }
    }
}
