import GatewayCore
import GatewayStore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// The reconnect queue on PostgreSQL, shared by a fleet of daemons (ARCHITECTURE.md, "Beyond one machine").
///
/// The same rows as the SQLite store, moved by the same pure `PlatformMachine`; in addition each platform row has an
/// owner lease: a daemon acts on a platform (starts an attempt, records its result) only while it holds the row's
/// lease, checked in the same transaction as the write (`FOR UPDATE`), so a daemon that lost its lease cannot
/// overwrite the new owner's state. Times come from the injected clock, like the SQLite store's.
public final class PostgresStore: Sendable {
    public let location: PostgresLocation
    let client: PostgresClient
    let logger: Logger
    let clock: any WallClock
    /// Each registered platform's policy (the configuration's, from `register`).
    let policies = Mutex<[String: BackoffPolicy]>([:])
    /// The state machine's jitter and the pull-forward's spread.
    let random: Mutex<SplitMix64>
    /// How far ahead a pull-forward spreads the rows it moves (as `StoreSettings.pullForwardWindowMillis`).
    let pullForwardWindowMillis: Int64
    /// How long one query or transaction may wait for the server (for a pool connection, then for the answers).
    public let queryTimeoutMillis: Int64
    /// The first query the server left unanswered for `queryTimeoutMillis`. From then on every call fails at once with
    /// it: a daemon stops on a lost database (exit 74) and should not spend another timeout on each write of its
    /// shutdown.
    private let unanswered = Mutex<FleetStoreError?>(nil)
    private let runner: Task<Void, Never>

    /// 30 s: longer than any query of a healthy server (a claim of thousands of rows takes a second), shorter than
    /// an operator waits before calling a daemon hung.
    public static let defaultQueryTimeoutMillis: Int64 = 30_000

    /// Connects once on its own (proving the server answers) and brings the schema to this binary's version on that
    /// connection, then makes the pool the store's queries use. Throws `FleetStoreError` naming host:port when the
    /// server cannot be reached, and refuses a schema newer than this binary's before writing anything.
    ///
    /// Every later query and transaction must finish within `queryTimeoutMillis` of real time (postgres-nio's pool
    /// would wait for a connection, and a connection for its answer, for as long as a hung server stays silent).
    public init(
        location: PostgresLocation, clock: any WallClock = SystemWallClock(), random: SplitMix64 = SplitMix64(),
        pullForwardWindowMillis: Int64 = StoreSettings().pullForwardWindowMillis,
        queryTimeoutMillis: Int64 = PostgresStore.defaultQueryTimeoutMillis,
        logger: Logger = Logger(label: "gatewayd.postgres")
    ) async throws {
        self.location = location
        self.queryTimeoutMillis = max(queryTimeoutMillis, 1)
        self.clock = clock
        self.random = Mutex(random)
        self.pullForwardWindowMillis = pullForwardWindowMillis
        self.logger = logger
        // One connection first, on its own: it fails at once, naming host:port, when the server does not answer
        // (the pool would retry for ever), and it runs the migrations before the pool is made.
        do {
            let connection = try await Self.connectAlone(location, logger: logger)
            do {
                try await PostgresMigrator(location: location).migrate(connection, logger: logger, now: clock.nowMillis())
                try await connection.close()
            } catch {
                try? await connection.close()
                throw error
            }
        } catch {
            throw FleetStoreError.wrapping(error, location, doing: "opening the store")
        }
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: Self.tls(location.tls))
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.maximumConnections = 4
        var quiet = logger
        quiet.logLevel = .error  // the pool logs every failed connection attempt at info
        let client = PostgresClient(configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, backgroundLogger: quiet)
        self.client = client
        runner = Task { await client.run() }
    }

    /// Closes the pool's connections.
    public func close() async {
        runner.cancel()
        await runner.value
    }

    /// One connection of its own, outside the pool (the migrations; LISTEN, which needs a session that stays).
    static func connectAlone(_ location: PostgresLocation, logger: Logger) async throws -> PostgresConnection {
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: try connectionTLS(location.tls))
        configuration.options.connectTimeout = .seconds(10)
        return try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
    }

    private static func connectionTLS(_ mode: PostgresLocation.TLSMode) throws -> PostgresConnection.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
    }

    private static func tls(_ mode: PostgresLocation.TLSMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }

    func now() -> Int64 { clock.nowMillis() }

    func policy(for name: String) -> BackoffPolicy { policies.withLock { $0[name] } ?? .standard }

    /// Runs `body` in a transaction; a failure is rolled back and rethrown as a `FleetStoreError` saying what was
    /// being done. Bounded by the query timeout.
    func transaction<Result: Sendable>(
        _ what: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let client = client, logger = logger
        do {
            return try await answered(what) {
                try await client.withTransaction(logger: logger) { connection in try await body(connection) }
            }
        } catch let error as PostgresTransactionError {
            // The body's own errors (not the owner, an illegal transition) come out as they were thrown.
            if let inner = error.closureError, inner is FleetStoreError || inner is StoreError { throw inner }
            throw FleetStoreError.wrapping(error, location, doing: what)
        } catch {
            throw FleetStoreError.wrapping(error, location, doing: what)
        }
    }

    /// One query outside a transaction, its rows collected. Bounded by the query timeout.
    func rows(_ what: String, _ query: PostgresQuery) async throws -> [PostgresRow] {
        let client = client, logger = logger
        do {
            return try await answered(what) { try await client.query(query, logger: logger).collect() }
        } catch {
            throw FleetStoreError.wrapping(error, location, doing: what)
        }
    }

    /// Runs `operation` against the server within the query timeout (real time: this bounds I/O, like a socket's
    /// connect timeout). When the server leaves it unanswered, the store is done: this call and every later one fail
    /// with `noAnswer`, and the abandoned query is cancelled.
    private func answered<T: Sendable>(
        _ what: String, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        if let failed = unanswered.withLock({ $0 }) { throw failed }
        let clock = SystemGatewayClock()
        switch await withDeadline(clock.nowMillis() + queryTimeoutMillis, clock: clock, operation) {
        case .finished(let result):
            return try result.get()
        case .timedOut:
            let error = FleetStoreError.noAnswer(location, doing: what, afterMillis: queryTimeoutMillis)
            throw unanswered.withLock { failed in
                if failed == nil { failed = error }
                return failed ?? error
            }
        }
    }
}

extension PostgresStore {
    /// The schema version this binary writes on PostgreSQL.
    public static var schemaVersion: Int { EmbeddedMigrations.all.last?.version ?? 0 }

    /// The database's schema version (`gatewayd_schema`).
    public func databaseSchemaVersion() async throws -> Int {
        try await rows("reading the schema version", "SELECT coalesce(max(version), 0) FROM gatewayd_schema")
            .first?.decode(Int.self) ?? 0
    }
}
