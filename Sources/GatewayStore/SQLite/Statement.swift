import CSQLite
import Foundation

/// A prepared statement. Not Sendable: it belongs to the `Connection` that prepared it.
///
/// Statements are cached by the connection (keyed by SQL text) and reset before each use.
final class Statement {
    private let handle: OpaquePointer
    let sql: String
    private unowned let connection: Connection

    init(handle: OpaquePointer, sql: String, connection: Connection) {
        self.handle = handle
        self.sql = sql
        self.connection = connection
    }

    deinit { sqlite3_finalize(handle) }

    /// Clears earlier bindings and binds `values` to the parameters `?1…?n`.
    func bind(_ values: [SQLValue]) throws(SQLiteError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard values.count == expected else {
            throw connection.error(code: SQLITE_RANGE, message: "expected \(expected) parameters, got \(values.count)", sql: sql)
        }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .integer(let v): code = sqlite3_bind_int64(handle, index, v)
            case .real(let v): code = sqlite3_bind_double(handle, index, v)
            case .text(let v): code = csqlite_bind_text_transient(handle, index, v, -1)
            case .blob(let v):
                code = v.withUnsafeBytes { csqlite_bind_blob_transient(handle, index, $0.baseAddress, Int32($0.count)) }
            case .null: code = sqlite3_bind_null(handle, index)
            }
            guard code == SQLITE_OK else { throw connection.lastError(code: code, sql: sql) }
        }
    }

    /// Steps once: `true` when a row is available, `false` when done.
    func step() throws(SQLiteError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            sqlite3_reset(handle)
            throw connection.lastError(code: code, sql: sql)
        }
    }

    func reset() { sqlite3_reset(handle) }

    /// The current row (valid until the next step).
    var row: Row { Row(handle: handle) }
}

/// The current row of a stepping statement. Only valid inside the closure it is handed to.
/// Do not keep it: the next step or reset invalidates it.
public struct Row {
    fileprivate let handle: OpaquePointer

    fileprivate init(handle: OpaquePointer) { self.handle = handle }

    public var columnCount: Int { Int(sqlite3_column_count(handle)) }

    public func isNull(_ index: Int) -> Bool { sqlite3_column_type(handle, Int32(index)) == SQLITE_NULL }

    public func int64(_ index: Int) -> Int64 { sqlite3_column_int64(handle, Int32(index)) }

    public func int(_ index: Int) -> Int { Int(sqlite3_column_int64(handle, Int32(index))) }

    public func double(_ index: Int) -> Double { sqlite3_column_double(handle, Int32(index)) }

    public func string(_ index: Int) -> String {
        guard let text = sqlite3_column_text(handle, Int32(index)) else { return "" }
        return String(cString: text)
    }

    public func data(_ index: Int) -> Data {
        let count = Int(sqlite3_column_bytes(handle, Int32(index)))
        guard count > 0, let bytes = sqlite3_column_blob(handle, Int32(index)) else { return Data() }
        return Data(bytes: bytes, count: count)
    }

    public func optionalInt64(_ index: Int) -> Int64? { isNull(index) ? nil : int64(index) }
    public func optionalString(_ index: Int) -> String? { isNull(index) ? nil : string(index) }

    /// The column as a `SQLValue`, whatever its storage class.
    public func value(_ index: Int) -> SQLValue {
        switch sqlite3_column_type(handle, Int32(index)) {
        case SQLITE_INTEGER: .integer(int64(index))
        case SQLITE_FLOAT: .real(double(index))
        case SQLITE_TEXT: .text(string(index))
        case SQLITE_BLOB: .blob(data(index))
        default: .null
        }
    }
}

@available(*, unavailable) extension Statement: Sendable {}
@available(*, unavailable) extension Row: Sendable {}
