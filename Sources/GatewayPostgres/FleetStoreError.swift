import GatewayCore
import GatewayStore
import PostgresNIO

/// A failure of the PostgreSQL store, in words an operator can act on: which server (host:port, database — never
/// the password), which platform, which daemon.
public struct FleetStoreError: Error, Sendable, CustomStringConvertible, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public var description: String { rawValue }
        public static let unreachable = Code(rawValue: "postgres_unreachable")
        /// Connected, but a query went unanswered for the query timeout (a hung server, or a network that drops
        /// packets without closing the connection).
        public static let noAnswer = Code(rawValue: "postgres_no_answer")
        public static let query = Code(rawValue: "postgres_query_failed")
        public static let schemaTooNew = Code(rawValue: "schema_too_new")
        public static let migrationFailed = Code(rawValue: "migration_failed")
        public static let notOwner = Code(rawValue: "not_owner")
        public static let unknownPlatform = Code(rawValue: "unknown_platform")
        public static let corruptRow = Code(rawValue: "corrupt_row")
    }

    public let code: Code
    public let description: String

    init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    static func schemaTooNew(_ location: PostgresLocation, database: Int, binary: Int) -> FleetStoreError {
        .init(.schemaTooNew, "\(location): the database has schema version \(database), but this gatewayd only knows up to version \(binary); upgrade gatewayd (nothing was written)")
    }

    static func migrationFailed(_ location: PostgresLocation, version: Int, name: String, problem: String) -> FleetStoreError {
        .init(.migrationFailed, "\(location): migration \(version) (\(name)) failed and was rolled back: \(problem)")
    }

    static func noAnswer(_ location: PostgresLocation, doing what: String, afterMillis: Int64) -> FleetStoreError {
        .init(.noAnswer, "PostgreSQL at \(location.address) (database \(location.database)) did not answer within \(DurationText.describe(millis: afterMillis)): \(what); no further query is sent to it")
    }

    static func notOwner(platform: String, daemon: String, owner: String?) -> FleetStoreError {
        let holder = owner.map { "is owned by daemon \($0)" } ?? "is owned by no daemon"
        return .init(.notOwner, "platform '\(platform)' \(holder); daemon \(daemon) does not hold its lease and must not act on it")
    }

    static func unknownPlatform(_ name: String) -> FleetStoreError {
        .init(.unknownPlatform, "no platform named '\(name)' in the database")
    }

    static func corruptRow(table: String, key: String, detail: String) -> FleetStoreError {
        .init(.corruptRow, "\(table) row '\(key)' cannot be read: \(detail)")
    }

    /// Wraps a postgres-nio failure: the server's own message and SQLSTATE when it answered, else what kept the
    /// connection from working, with host:port. postgres-nio's own description hides the server's words.
    static func wrapping(_ error: any Error, _ location: PostgresLocation, doing what: String) -> FleetStoreError {
        if let known = error as? FleetStoreError { return known }
        if let transaction = error as? PostgresTransactionError {
            let inner = transaction.closureError ?? transaction.beginError ?? transaction.commitError ?? transaction.rollbackError
            if let inner { return wrapping(inner, location, doing: what) }
        }
        guard let psql = error as? PSQLError else {
            return .init(.query, "\(location): \(what): \(error)")
        }
        if let info = psql.serverInfo {
            let message = info[.message] ?? "error"
            let state = info[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            let detail = info[.detail].map { ": \($0)" } ?? ""
            return .init(.query, "\(location): \(what): \(message)\(detail)\(state)")
        }
        let reason = psql.underlying.map { "\($0)" } ?? "\(psql.code)"
        return .init(.unreachable, "cannot reach PostgreSQL at \(location.address) (database \(location.database)): \(what): \(reason)")
    }
}
