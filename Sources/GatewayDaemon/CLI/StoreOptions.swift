import GatewayCore
import GatewayRuntime
import GatewayNetworking
import ArgumentParser
import Foundation
import GatewayPostgres
import GatewayStore

/// `--db`, shared by every subcommand that opens the database.
struct StoreOptions: ParsableArguments {
    /// sysexits.h: the input file does not exist.
    static let exitNoInput: Int32 = 66
    /// sysexits.h: an I/O error (the file is not a database, is locked, has a newer schema, …).
    static let exitIOError: Int32 = 74

    @Option(name: .long, help: ArgumentHelp(
        "The database file (default: $GATEWAYD_DB, else ./gateway.db), or a fleet's PostgreSQL database.",
        discussion: "postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]; the password is best given in $PGPASSWORD. On PostgreSQL: run, migrate, status, retry, pause, resume, reset."))
    var db: String?

    var path: String {
        db ?? ProcessInfo.processInfo.environment["GATEWAYD_DB"] ?? "gateway.db"
    }

    /// Opens and migrates the store, creating the file if it is missing. Errors name the file and the cause.
    /// - Parameter verify: run `PRAGMA quick_check` first and refuse a damaged file before writing to it.
    func openStore(clock: any WallClock = SystemWallClock(), verify: Bool = false) throws -> Store {
        try Self.requireFile(path)
        return try Store(path: path, clock: clock, settings: StoreSettings(verifyOnOpen: verify))
    }

    /// sysexits.h: configuration error (here: a `--db`/`database:` this command cannot use).
    static let exitConfig: Int32 = 78

    /// Refuses a PostgreSQL URL where only a SQLite file works (exit 78), instead of opening a file named
    /// `postgres:…`. On the fleet's store run, migrate, status and the operator commands work.
    static func requireFile(_ path: String) throws {
        guard PostgresLocation.isURL(path) else { return }
        let shown = (try? PostgresLocation(url: path).description) ?? "postgres://…"
        throw fail(
            "\(shown): this command works on a SQLite database file only; on PostgreSQL, run, migrate, status, retry, pause, resume and reset work",
            exitCode: exitConfig)
    }

    /// The `--db` as a PostgreSQL location (its password from the URL, else `$PGPASSWORD`), or nil for a file path.
    /// A URL that cannot be parsed exits 78 naming what is wrong (never the password).
    func postgresLocation() throws -> PostgresLocation? { try Self.postgresLocation(path) }

    /// `text` as a PostgreSQL location (as `postgresLocation()`), or nil when it is a file path.
    static func postgresLocation(_ text: String) throws -> PostgresLocation? {
        guard PostgresLocation.isURL(text) else { return nil }
        do {
            var location = try PostgresLocation(url: text)
            if location.password == nil { location.password = ProcessInfo.processInfo.environment["PGPASSWORD"] }
            return location
        } catch {
            throw fail("--db: \(error)", exitCode: exitConfig)
        }
    }

    /// Opens the fleet's database at `location`, runs `body`, closes it. The server unreachable, refusing, or of a
    /// newer schema → exit 74 naming host:port and the database (never the password); a `StoreError` of `body`
    /// (unknown platform, illegal transition) → exit 1; a query that fails → exit 74.
    func withFleetStore<T>(_ location: PostgresLocation, _ body: (PostgresStore) async throws -> T) async throws -> T {
        let store: PostgresStore
        do { store = try await PostgresStore(location: location) } catch {
            throw Self.fail("\(error)", exitCode: Self.exitIOError)
        }
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch let error as StoreError {
            await store.close()
            throw Self.fail(error.description, exitCode: ExitCode.failure.rawValue)
        } catch let error as FleetStoreError {
            await store.close()
            throw Self.fail(error.description, exitCode: error.code == .unknownPlatform ? ExitCode.failure.rawValue : Self.exitIOError)
        } catch {
            await store.close()
            throw error
        }
    }

    /// Opens an existing database, runs `body`, and turns failures into one `error: …` line on stderr and an exit
    /// code — never a stack trace:
    /// - no file at `path` → exit 66 (EX_NOINPUT), and no file is created;
    /// - the file cannot be opened (not a database, schema too new, locked, unreadable) → exit 74 (EX_IOERR), the
    ///   file left as it was;
    /// - `body` throws a `StoreError` (unknown platform, illegal transition) → exit 1;
    /// - `body` throws a `SQLiteError` (say, busy beyond the timeout) → exit 74.
    ///
    /// Other errors, `ExitCode` included, pass through unchanged.
    func withStore<T>(clock: any WallClock = SystemWallClock(), _ body: (Store) async throws -> T) async throws -> T {
        let path = path
        try Self.requireFile(path)
        guard FileManager.default.fileExists(atPath: path) else {
            throw Self.fail("\(path): no database here (run gatewayd run or gatewayd migrate first)", exitCode: Self.exitNoInput)
        }
        let store: Store
        do {
            // create: false — should the file vanish between the check and the open, fail instead of creating it.
            let settings = StoreSettings(connection: ConnectionOptions(create: false))
            store = try Store(path: path, clock: clock, settings: settings)
        } catch let error as SQLiteError {
            throw Self.fail(error.description, exitCode: Self.exitIOError)
        } catch let error as StoreError {
            throw Self.fail(error.description, exitCode: Self.exitIOError)
        }
        do {
            return try await body(store)
        } catch let error as StoreError {
            throw Self.fail(error.description, exitCode: ExitCode.failure.rawValue)
        } catch let error as SQLiteError {
            throw Self.fail(error.description, exitCode: Self.exitIOError)
        }
    }

    /// Prints `error: <message>` on stderr and returns the `ExitCode` to throw.
    static func fail(_ message: String, exitCode: Int32) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(exitCode)
    }
}
