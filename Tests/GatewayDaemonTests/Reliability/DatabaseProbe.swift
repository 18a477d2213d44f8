import CSQLite
import Foundation

/// Reads the daemon's real database file with plain SQL, the way an operator's `sqlite3` would: a fresh connection
/// per call (so a SIGKILLed writer's WAL is recovered exactly as the next daemon would see it), SELECTs and PRAGMAs
/// only. Independent of `Store`, so the checks do not trust the code they check.
struct DatabaseProbe {
    let path: String

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `sql` and returns every row as text columns (NULL → nil).
    func query(_ sql: String, _ arguments: [String] = []) throws -> [[String?]] {
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK, let db else {
            defer { sqlite3_close_v2(db) }
            throw Failure(description: "cannot open \(path): \(db.map { String(cString: sqlite3_errmsg($0)) } ?? "?")")
        }
        defer { sqlite3_close_v2(db) }
        sqlite3_busy_timeout(db, 10_000)
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw Failure(description: "cannot prepare \(sql): \(String(cString: sqlite3_errmsg(db)))")
        }
        defer { sqlite3_finalize(statement) }
        for (index, argument) in arguments.enumerated() {
            _ = csqlite_bind_text_transient(statement, Int32(index + 1), argument, -1)
        }
        var rows: [[String?]] = []
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { return rows }
            guard code == SQLITE_ROW else {
                throw Failure(description: "\(sql): \(String(cString: sqlite3_errmsg(db)))")
            }
            rows.append((0..<sqlite3_column_count(statement)).map { column in
                sqlite3_column_text(statement, column).map { String(cString: $0) }
            })
        }
    }

    func integrityCheck() throws -> [String] { try query("PRAGMA integrity_check").map { $0[0] ?? "" } }

    func exists() -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Whether the schema is there yet (a daemon killed before its first migration leaves none).
    func hasSchema() throws -> Bool {
        try query("SELECT count(*) FROM sqlite_schema WHERE name = 'platforms'").first?[0] == "1"
    }

    func platforms() throws -> [PlatformRow] {
        try query("""
            SELECT name, state, attempts, next_retry_at, not_before, stable_at, connected_since, exhausted
            FROM platforms ORDER BY name
            """).map { row in
            PlatformRow(
                name: row[0] ?? "", state: row[1] ?? "", attempts: Int(row[2] ?? "") ?? -1,
                nextRetryAt: row[3].flatMap { Int64($0) }, notBefore: row[4].flatMap { Int64($0) },
                stableAt: row[5].flatMap { Int64($0) }, connectedSince: row[6].flatMap { Int64($0) },
                exhausted: row[7] == "1")
        }
    }

    /// How many rows `platforms` has in all, and how many distinct names (a duplicate would differ).
    func platformCounts() throws -> (rows: Int, names: Int) {
        let row = try query("SELECT count(*), count(DISTINCT name) FROM platforms")[0]
        return (Int(row[0] ?? "") ?? -1, Int(row[1] ?? "") ?? -1)
    }

    /// Events with an id above `id`, oldest first.
    func events(after id: Int64) throws -> [EventRow] {
        try query("""
            SELECT id, platform, at, kind, from_state, to_state, attempt, detail
            FROM platform_events WHERE id > ? ORDER BY id
            """, [String(id)]).map { row in
            EventRow(
                id: Int64(row[0] ?? "") ?? -1, platform: row[1] ?? "", at: Int64(row[2] ?? "") ?? -1, kind: row[3] ?? "",
                fromState: row[4], toState: row[5], attempt: row[6].flatMap { Int($0) }, detail: row[7])
        }
    }

    /// The largest number of events any one platform has, and the total.
    func eventCounts() throws -> (maxPerPlatform: Int, total: Int) {
        let row = try query("""
            SELECT coalesce(max(n), 0), coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM platform_events GROUP BY platform)
            """)[0]
        return (Int(row[0] ?? "") ?? -1, Int(row[1] ?? "") ?? -1)
    }

    /// Every outbox row, in enqueue order.
    func outbox() throws -> [OutboxRow] {
        try query("SELECT id, platform, target, text, state, error, attempts FROM outbox ORDER BY id").map { row in
            OutboxRow(id: Int64(row[0] ?? "") ?? -1, platform: row[1] ?? "", target: row[2] ?? "", text: row[3] ?? "",
                      state: row[4] ?? "", error: row[5], attempts: Int(row[6] ?? "") ?? -1)
        }
    }

    /// The inbox texts of `platform`, in arrival order.
    func inboxTexts(platform: String) throws -> [String] {
        try query("SELECT text FROM inbox WHERE platform = ? ORDER BY id", [platform]).map { $0[0] ?? "" }
    }
}

/// One `platforms` row, as the checks need it.
struct PlatformRow: Equatable {
    var name: String
    var state: String
    var attempts: Int
    var nextRetryAt: Int64?
    var notBefore: Int64?
    var stableAt: Int64?
    var connectedSince: Int64?
    var exhausted: Bool
}

/// One `platform_events` row.
struct EventRow: Equatable {
    var id: Int64
    var platform: String
    var at: Int64
    var kind: String
    var fromState: String?
    var toState: String?
    var attempt: Int?
    var detail: String?
}

/// One `outbox` row.
struct OutboxRow: Equatable {
    var id: Int64
    var platform: String
    var target: String
    var text: String
    var state: String
    var error: String?
    /// Sends tried (`sending` counts one).
    var attempts: Int
}
