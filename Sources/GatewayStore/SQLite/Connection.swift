import CSQLite
import Foundation

/// How a `Connection` opens its file.
public struct ConnectionOptions: Sendable, Equatable {
    /// `PRAGMA synchronous`: `NORMAL` is durable across process crashes in WAL mode (a power loss may lose the last
    /// commits); `FULL` also survives power loss at the cost of an fsync per commit.
    public enum Synchronous: String, Sendable { case off = "OFF", normal = "NORMAL", full = "FULL" }

    public var synchronous: Synchronous
    /// How long a write waits for another process's lock before failing with SQLITE_BUSY. Bounded on purpose.
    public var busyTimeoutMillis: Int32
    /// Create the file (mode 0600) when it does not exist.
    public var create: Bool

    public init(synchronous: Synchronous = .normal, busyTimeoutMillis: Int32 = 5_000, create: Bool = true) {
        self.synchronous = synchronous
        self.busyTimeoutMillis = busyTimeoutMillis
        self.create = create
    }
}

/// One SQLite connection: cached prepared statements, typed binding, immediate transactions.
///
/// Not Sendable, and not thread-safe by design (opened with `SQLITE_OPEN_NOMUTEX`): exactly one owner — the `Store`
/// actor — uses it, so every call is already serialised.
final class Connection {
    let path: String
    /// The inode opened, to notice the file being deleted or replaced under the connection (nil: not known).
    private(set) var file: DatabaseFile?
    private let handle: OpaquePointer
    private var statements: [String: Statement] = [:]

    /// Opens (and, if allowed, creates with mode 0600) the database at `path`.
    ///
    /// Nothing is written to an existing file here: journal mode and schema are the caller's next steps, after it has
    /// checked the schema version.
    init(path: String, options: ConnectionOptions) throws(SQLiteError) {
        self.path = path
        if options.create { try Self.createPrivateFile(at: path) }
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw Self.diagnosed(SQLiteError(code: code, message: message, path: path))
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, options.busyTimeoutMillis)
        do throws(SQLiteError) {
            // The first read is what tells a non-database file apart (SQLITE_NOTADB).
            _ = try scalarInt("SELECT count(*) FROM sqlite_schema")
            if sqlite3_db_readonly(db, "main") == 1 {
                throw SQLiteError(code: SQLITE_READONLY, message: "the database file is not writable", path: path)
            }
            try execute("PRAGMA foreign_keys = ON")
            try execute("PRAGMA synchronous = \(options.synchronous.rawValue)")
        } catch {
            statements.removeAll()
            sqlite3_close_v2(db)
            throw Self.diagnosed(error)
        }
        file = DatabaseFile.identity(of: path)
    }

    /// Adds the cause SQLite cannot see to a failed open: a read-only file system or an unwritable directory (SQLite
    /// only says "unable to open database file", or that the file is read-only).
    private static func diagnosed(_ error: SQLiteError) -> SQLiteError {
        guard error.primaryCode == SQLITE_CANTOPEN || error.primaryCode == SQLITE_READONLY,
              let cause = DatabaseFile.directoryProblem(for: error.path) else { return error }
        return SQLiteError(code: error.extendedCode, message: "\(error.message): \(cause)", sql: error.sql, path: error.path)
    }

    /// Why the file at `path` is no longer the one this connection writes to (deleted, replaced), or nil.
    func fileProblem() -> String? { file?.problem(at: path) }

    deinit { closeHandle() }

    private var isOpen = true

    /// Closes the connection now (finalizing the cached statements): the last connection to close checkpoints the
    /// WAL into the file it belongs to and removes the `-wal` and `-shm` files. Later calls fail with SQLITE_MISUSE.
    /// When the database file was deleted or replaced meanwhile, SQLite leaves its WAL behind; this removes it (and the
    /// SHM) so it can never be replayed into the file now at the path.
    func closeHandle() {
        guard isOpen else { return }
        isOpen = false
        let moved = fileProblem() != nil
        statements.removeAll()
        sqlite3_close_v2(handle)
        if moved { DatabaseFile.removeStale(sidecars) }
    }

    /// The `-wal` and `-shm` files this connection uses, as found once WAL mode is on (see `closeHandle`).
    private var sidecars: [String: DatabaseFile] = [:]

    /// Records the identities of the `-wal` and `-shm` files: call once the database is in WAL mode.
    func recordSidecars() { sidecars = DatabaseFile.sidecars(of: path) }

    private func checkOpen() throws(SQLiteError) {
        guard isOpen else { throw SQLiteError(code: SQLITE_MISUSE, message: "the database connection is closed", path: path) }
    }

    /// Creates an empty file readable by its owner only, so the WAL and SHM files SQLite derives from it are 0600 too.
    private static func createPrivateFile(at path: String) throws(SQLiteError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 { close(fd); return }
        let code = errno
        if code == EEXIST { return }
        let reason = String(cString: strerror(code))
        throw SQLiteError(code: SQLITE_CANTOPEN, message: "cannot create the database file: \(reason)", path: path)
    }

    // MARK: - Running statements

    /// The cached statement for `sql`, prepared on first use.
    func statement(_ sql: String) throws(SQLiteError) -> Statement {
        try checkOpen()
        if let cached = statements[sql] { return cached }
        var raw: OpaquePointer?
        var more = false
        let code = sql.withCString { text in
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v3(handle, text, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, &tail)
            // A second statement after the first would never run: compile what follows (nil when it is only
            // whitespace, semicolons or comments) to tell.
            if code == SQLITE_OK, let tail, tail.pointee != 0 {
                var next: OpaquePointer?
                more = sqlite3_prepare_v2(handle, tail, -1, &next, nil) != SQLITE_OK || next != nil
                sqlite3_finalize(next)
            }
            return code
        }
        guard code == SQLITE_OK, let raw else { throw lastError(code: code, sql: sql) }
        guard !more else {
            sqlite3_finalize(raw)
            throw error(code: SQLITE_MISUSE, message: "more than one statement in one call (only the first would run): use executeScript", sql: sql)
        }
        let statement = Statement(handle: raw, sql: sql, connection: self)
        statements[sql] = statement
        return statement
    }

    /// Runs `sql` (which returns no rows that matter) and returns the number of rows it changed.
    @discardableResult
    func execute(_ sql: String, _ values: [SQLValue] = []) throws(SQLiteError) -> Int {
        let statement = try statement(sql)
        try statement.bind(values)
        while try statement.step() {}
        statement.reset()
        return Int(sqlite3_changes(handle))
    }

    /// Runs a script of several statements (migrations). Not cached; no parameters.
    func executeScript(_ sql: String) throws(SQLiteError) {
        try checkOpen()
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        guard code == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw SQLiteError(code: sqlite3_extended_errcode(handle), message: text, sql: nil, path: path)
        }
    }

    /// Runs a query and hands each row to `body`.
    func forEach(_ sql: String, _ values: [SQLValue] = [], _ body: (Row) throws -> Void) throws {
        let statement = try statement(sql)
        try statement.bind(values)
        defer { statement.reset() }
        while try statement.step() { try body(statement.row) }
    }

    /// Runs a query and maps its rows.
    func rows<T>(_ sql: String, _ values: [SQLValue] = [], _ map: (Row) throws -> T) throws -> [T] {
        var result: [T] = []
        try forEach(sql, values) { result.append(try map($0)) }
        return result
    }

    /// The first row mapped, or nil.
    func first<T>(_ sql: String, _ values: [SQLValue] = [], _ map: (Row) throws -> T) throws -> T? {
        let statement = try statement(sql)
        try statement.bind(values)
        defer { statement.reset() }
        return try statement.step() ? map(statement.row) : nil
    }

    /// The first column of the first row as an integer (nil when there is no row or it is NULL).
    func scalarInt(_ sql: String, _ values: [SQLValue] = []) throws(SQLiteError) -> Int64? {
        let statement = try statement(sql)
        try statement.bind(values)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        let row = statement.row
        return row.isNull(0) ? nil : row.int64(0)
    }

    // MARK: - Transactions

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`; any thrown error rolls the whole transaction back.
    ///
    /// IMMEDIATE takes the write lock up front, so a second writer waits (bounded by the busy timeout) at BEGIN
    /// instead of failing halfway through with a deadlock-style SQLITE_BUSY.
    @discardableResult
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if sqlite3_get_autocommit(handle) == 0 { _ = try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Increments whenever another connection (any process) commits to the database.
    func dataVersion() throws(SQLiteError) -> Int64 { try scalarInt("PRAGMA data_version") ?? 0 }

    var changes: Int { Int(sqlite3_changes(handle)) }

    // MARK: - Errors

    func lastError(code: Int32, sql: String?) -> SQLiteError {
        let extended = sqlite3_extended_errcode(handle)
        return SQLiteError(code: extended != 0 ? extended : code, message: String(cString: sqlite3_errmsg(handle)), sql: sql, path: path)
    }

    func error(code: Int32, message: String, sql: String? = nil) -> SQLiteError {
        SQLiteError(code: code, message: message, sql: sql, path: path)
    }
}

@available(*, unavailable) extension Connection: Sendable {}
