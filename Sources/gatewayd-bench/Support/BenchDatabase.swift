import GatewayCore
import GatewayRuntime
import CSQLite
import Foundation

/// The benchmark's own, minimal access to a gateway database file: seeding rows in bulk, adding the lag probe, and
/// reading results. The daemon never uses this; it goes through `Store`.
///
/// Not Sendable: one owner, like the store's own connection.
final class BenchDatabase {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let handle: OpaquePointer

    init(path: String, readOnly: Bool = false) throws {
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            sqlite3_close_v2(db)
            throw Failure(description: "cannot open \(path): SQLite code \(code)")
        }
        handle = db
        sqlite3_busy_timeout(db, 5_000)
    }

    deinit { sqlite3_close_v2(handle) }

    func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &error) != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(error)
            throw Failure(description: "\(message) in: \(sql.prefix(120))")
        }
    }

    /// Every row of `sql` as integers (NULL → nil), with `texts` bound to its parameters ?1, ?2, ….
    func integers(_ sql: String, _ texts: [String] = []) throws -> [[Int64?]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw Failure(description: "\(String(cString: sqlite3_errmsg(handle))) in: \(sql.prefix(120))")
        }
        defer { sqlite3_finalize(statement) }
        for (index, text) in texts.enumerated() { csqlite_bind_text_transient(statement, Int32(index + 1), text, -1) }
        var rows: [[Int64?]] = []
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else { throw Failure(description: String(cString: sqlite3_errmsg(handle))) }
            rows.append((0..<sqlite3_column_count(statement)).map { column in
                sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, column)
            })
        }
        return rows
    }

    /// The first column of the first row, or nil (no row, NULL, or an error such as a table not created yet).
    func firstInteger(_ sql: String) -> Int64? {
        guard let rows = try? integers(sql), let first = rows.first, let value = first.first else { return nil }
        return value
    }

    /// Runs `sql` once per element of `rows`, binding integers and texts (`nil` → NULL), in one transaction.
    func insert(_ sql: String, rows: some Sequence<[Any?]>) throws {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw Failure(description: "\(String(cString: sqlite3_errmsg(handle))) in: \(sql.prefix(120))")
        }
        defer { sqlite3_finalize(statement) }
        try execute("BEGIN IMMEDIATE")
        for row in rows {
            sqlite3_reset(statement)
            for (index, value) in row.enumerated() {
                let position = Int32(index + 1)
                switch value {
                case let number as Int64: sqlite3_bind_int64(statement, position, number)
                case let number as Int: sqlite3_bind_int64(statement, position, Int64(number))
                case let text as String: csqlite_bind_text_transient(statement, position, text, -1)
                default: sqlite3_bind_null(statement, position)
                }
            }
            guard sqlite3_step(statement) == SQLITE_DONE else {
                let message = String(cString: sqlite3_errmsg(handle))
                try? execute("ROLLBACK")
                throw Failure(description: "\(message) in: \(sql.prefix(120))")
            }
        }
        try execute("COMMIT")
    }
}
