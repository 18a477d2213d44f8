import Testing
import Foundation
import GatewayPostgres
import GatewayStore

/// Where a black-box test's `gatewayd run` keeps its state: the SQLite file of the test's directory, or a fresh
/// database of the tests' PostgreSQL (`--db postgres://…`, a fleet of one) — the same test body on both.
enum BlackboxBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// Both when PostgreSQL is installed (scripts/test installs it), else SQLite alone.
    static var available: [BlackboxBackend] { PostgresServer.binDirectory != nil ? [.sqlite, .postgres] : [.sqlite] }

    /// The `--db` for the daemon, and a reader of what it wrote.
    func open(_ gw: Gatewayd) async throws -> (db: String, store: any BlackboxReader) {
        switch self {
        case .sqlite:
            return (gw.db, try Store(path: gw.db))
        case .postgres:
            let location = try await SharedPostgres.database()
            let url = "postgres://\(location.user)@127.0.0.1:\(location.port)/\(location.database)?sslmode=disable"
            return (url, try await PostgresStore(location: location))
        }
    }
}

/// What a black-box test reads back from the daemon's database.
protocol BlackboxReader: Sendable {
    func platform(_ name: String) async throws -> PlatformRecord?
    func outbox(states: [OutboxEntry.State], platform: String?, limit: Int) async throws -> [OutboxEntry]
    func inbox(platform: String?, afterID: Int64, limit: Int) async throws -> [InboxEntry]
    /// Whether any byte the database holds contains `text`: the SQLite file and its WAL, or a pg_dump.
    func holds(_ text: String) async throws -> Bool
    func close() async
}

extension BlackboxReader {
    func outbox(states: [OutboxEntry.State] = []) async throws -> [OutboxEntry] {
        try await outbox(states: states, platform: nil, limit: 500)
    }
}

extension Store: BlackboxReader {
    nonisolated func holds(_ text: String) async throws -> Bool { try databaseFilesContain(text, path: path) }
}

extension PostgresStore: BlackboxReader {
    func platform(_ name: String) async throws -> PlatformRecord? { try await record(name)?.record }

    func holds(_ text: String) async throws -> Bool {
        let bin = PostgresServer.binDirectory ?? "/usr/lib/postgresql/15/bin"
        let dump = try await PostgresServer.run(
            "\(bin)/pg_dump", ["-h", "127.0.0.1", "-p", "\(location.port)", "-U", location.user, "-d", location.database])
        return dump.contains(text)
    }
}
