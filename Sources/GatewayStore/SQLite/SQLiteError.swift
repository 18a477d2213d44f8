import CSQLite

/// A failed SQLite call: what a human needs to act on it, and nothing secret.
///
/// Carries the extended result code (`SQLITE_BUSY_SNAPSHOT`, `SQLITE_CANTOPEN_ISDIR`, …), SQLite's own message, the
/// database file and the SQL text. Bound values are never included: they may hold user data.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The extended result code (https://sqlite.org/rescode.html).
    public let extendedCode: Int32
    /// SQLite's message for the failure (`sqlite3_errmsg`), or a description of what the wrapper was doing.
    public let message: String
    /// The statement that failed, when there is one.
    public let sql: String?
    /// The database file.
    public let path: String

    /// The primary result code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT`, …).
    public var primaryCode: Int32 { extendedCode & 0xFF }

    /// The symbolic name of the extended code, e.g. `SQLITE_NOTADB`.
    public var codeName: String { String(cString: sqlite3_errstr(extendedCode)) }

    init(code: Int32, message: String, sql: String? = nil, path: String) {
        self.extendedCode = code
        self.message = message
        self.sql = sql
        self.path = path
    }

    public var description: String {
        var text = "\(path): \(message) (SQLite code \(extendedCode)\(hint.map { ": \($0)" } ?? ""))"
        if let sql { text += " while running: \(sql.split(separator: "\n").joined(separator: " "))" }
        return text
    }

    /// A plain-language cause for the failures an operator can fix.
    var hint: String? {
        switch primaryCode {
        case SQLITE_BUSY, SQLITE_LOCKED: "another process holds the database lock beyond the busy timeout"
        case SQLITE_NOTADB: "the file is not a SQLite database"
        case SQLITE_CORRUPT: "the database file is corrupted"
        case SQLITE_READONLY: "the database or its directory is read-only"
        case SQLITE_CANTOPEN: "the file or its directory cannot be opened (missing, or no permission)"
        case SQLITE_FULL: "the disk or the database size limit is full"
        case SQLITE_PERM, SQLITE_AUTH: "permission denied"
        case SQLITE_IOERR: "an I/O error"
        default: nil
        }
    }
}
