import Foundation
import GatewayCore
import GatewayPostgres
import GatewayStore
import Logging
import NIOPosix
import PostgresNIO
import Testing

/// The fleet's store against a real PostgreSQL (a cluster of the tests' own, a fresh database per test).
@Suite("PostgreSQL store", .enabled(if: PostgresServer.binDirectory != nil, "\(PostgresServer.missing)"))
struct PostgresStoreTests {
    let policy = BackoffPolicy(baseMillis: 30_000, jitter: 0)

    func spec(_ name: String) -> PlatformSpec {
        PlatformSpec(name: name, type: "simulated", fingerprint: "fp-\(name)", policy: policy, endpoint: "tcp://chat.example:6667")
    }

    func open(_ location: PostgresLocation, clock: ManualClock) async throws -> PostgresStore {
        try await PostgresStore(location: location, clock: clock)
    }

    /// Runs `sql` and returns the first column of every row as text.
    func column(_ location: PostgresLocation, _ sql: String) async throws -> [String?] {
        let client = PostgresClient(
            configuration: .init(host: location.host, port: location.port, username: location.user, password: nil, database: location.database, tls: .disable),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        let task = Task { await client.run() }
        defer { task.cancel() }
        return try await client.query(PostgresQuery(unsafeSQL: sql)).collect().map { try $0.makeRandomAccess()[0].decode(String?.self) }
    }

    @Test("opening migrates once (a second open changes nothing); psql sees the same views as sqlite3")
    func migrates() async throws {
        let location = try await SharedPostgres.database()
        let clock = ManualClock()
        let first = try await open(location, clock: clock)
        try await first.register([spec("tg"), spec("irc")])
        await first.close()
        let second = try await open(location, clock: clock)
        defer { Task { await second.close() } }
        #expect(try await column(location, "SELECT version::text FROM gatewayd_schema") == ["1", "2", "3"])
        #expect(try await column(location, "SELECT name FROM reconnect_queue") == ["irc", "tg"])
        #expect(try await column(location, "SELECT error_class FROM reconnect_queue") == [nil, nil])
        #expect(try await column(location, "SELECT name FROM platform_owners") == ["irc", "tg"])
        #expect(try await column(location, "SELECT count(*)::text FROM fleet") == ["0"])
    }

    @Test("a database of a newer schema is refused, naming it, and nothing is written")
    func newerSchemaRefused() async throws {
        let location = try await SharedPostgres.database()
        let store = try await open(location, clock: ManualClock())
        await store.close()
        _ = try await column(location, "INSERT INTO gatewayd_schema VALUES (99, 'future', 0) RETURNING name")
        await #expect {
            try await open(location, clock: ManualClock())
        } throws: { error in
            let text = "\(error)"
            return (error as? FleetStoreError)?.code == .schemaTooNew && text.contains("schema version 99")
                && text.contains(location.database) && text.contains("\(location.port)")
        }
        #expect(try await column(location, "SELECT count(*)::text FROM gatewayd_schema") == ["4"])
    }

    @Test("a server that does not answer: the error names host:port and the database, not the password")
    func unreachable() async throws {
        let port = try closedLoopbackPort()
        let location = PostgresLocation(host: "127.0.0.1", port: port, user: "gw", password: "hunter2-secret", database: "fleet", tls: .disable)
        await #expect {
            try await PostgresStore(location: location)
        } throws: { error in
            let text = "\(error)"
            return (error as? FleetStoreError)?.code == .unreachable && text.contains("127.0.0.1:\(port)")
                && text.contains("fleet") && !text.contains("hunter2")
        }
    }

    @Test("the same actions give the same rows as the SQLite store (one state machine, two stores)")
    func sameAsSQLite() async throws {
        let location = try await SharedPostgres.database()
        let clock = ManualClock()
        let pg = try await open(location, clock: clock)
        defer { Task { await pg.close() } }
        let directory = FileManager.default.temporaryDirectory.appending(path: "pg-vs-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sqlite = try Store(path: directory.appending(path: "gateway.db").path, clock: clock)

        try await pg.register([spec("tg")])
        try await pg.join(DaemonIdentity(owner: "a", pid: 1, host: "h"))
        #expect(try await pg.claim(for: "a", share: 10, leaseMillis: 3_600_000).claimed == ["tg"])
        _ = try await sqlite.startup(configured: [spec("tg")])

        func compare(_ step: String) async throws {
            let left = try #require(try await sqlite.platform("tg"))
            let right = try #require(try await pg.record("tg")?.record)
            #expect(left == right, "after \(step)")
        }
        try await compare("adding")
        let timeout = policy.connectTimeoutMillis + 5_000
        _ = try await sqlite.claimDue(owner: "a")
        try await pg.apply(.claim(owner: "a", leaseUntil: clock.nowMillis() + timeout), to: "tg", as: .owner("a"))
        try await compare("claiming")
        let failure = PlatformFailure(.network, code: "ECONNREFUSED", message: "connection refused (chat.example:6667)")
        _ = try await sqlite.recordFailure("tg", owner: "a", failure: failure)
        try await pg.apply(.fail(failure), to: "tg", as: .owner("a"))
        try await compare("a network failure")
        clock.advance(seconds: 30)
        _ = try await sqlite.claimDue(owner: "a")
        try await pg.apply(.claim(owner: "a", leaseUntil: clock.nowMillis() + timeout), to: "tg", as: .owner("a"))
        _ = try await sqlite.recordSuccess("tg", owner: "a")
        try await pg.apply(.succeed, to: "tg", as: .owner("a"))
        try await compare("a retry that connected")
        let kinds = try await pg.events(platform: "tg").map(\.kind)
        let sqliteKinds = try await sqlite.events(platform: "tg", limit: 100).map(\.kind)
        #expect(kinds == sqliteKinds || kinds == sqliteKinds.reversed(), "\(kinds) vs \(sqliteKinds)")
    }

    @Test("only the owner acts on a platform: another daemon is refused and nothing is written")
    func ownerOnly() async throws {
        let location = try await SharedPostgres.database()
        let clock = ManualClock()
        let store = try await open(location, clock: clock)
        defer { Task { await store.close() } }
        try await store.register([spec("tg")])
        _ = try await store.claim(for: "a", share: 1, leaseMillis: 15_000)
        let before = try await store.record("tg")
        let history = try await store.events(platform: "tg")
        await #expect {
            try await store.apply(.claim(owner: "b", leaseUntil: clock.nowMillis() + 35_000), to: "tg", as: .owner("b"))
        } throws: { error in
            (error as? FleetStoreError)?.code == .notOwner && "\(error)".contains("owned by daemon a")
        }
        #expect(try await store.record("tg") == before)
        #expect(try await store.events(platform: "tg") == history)
        // An operator acts from any host.
        let paused = try await store.apply(.pause, to: "tg", as: .operator("ops"))
        #expect(paused.state == .paused)
        #expect(try await store.events(platform: "tg").last?.actor == "operator:ops")
    }

    @Test("three daemons claiming at once never take the same platform; together they take each once")
    func concurrentClaims() async throws {
        let location = try await SharedPostgres.database()
        let clock = ManualClock()
        let stores = try await [open(location, clock: clock), open(location, clock: clock), open(location, clock: clock)]
        defer { Task { for store in stores { await store.close() } } }
        try await stores[0].register((0..<30).map { spec(String(format: "p%02d", $0)) })
        for round in 0..<5 {
            // Each round: every daemon asks for everything at once, in small bites, concurrently.
            let claims = try await withThrowingTaskGroup(of: [String].self) { group in
                for (index, store) in stores.enumerated() {
                    group.addTask {
                        var mine: [String] = []
                        for _ in 0..<10 { mine += try await store.claim(for: "d\(index)-\(round)", share: mine.count + 4, leaseMillis: 15_000).claimed }
                        return mine
                    }
                }
                return try await group.reduce(into: [[String]]()) { $0.append($1) }
            }
            let all = claims.flatMap { $0 }
            #expect(all.count == 30 && Set(all).count == 30, "round \(round): \(claims.map(\.count))")
            clock.advance(seconds: 16)  // every lease runs out: the next round's daemons take over
        }
    }

    @Test("a dead daemon's platforms are taken over after its lease; it cannot write them any more")
    func takeover() async throws {
        let location = try await SharedPostgres.database()
        let clock = ManualClock()
        let store = try await open(location, clock: clock)
        defer { Task { await store.close() } }
        try await store.register([spec("tg"), spec("dc")])
        try await store.join(DaemonIdentity(owner: "a", pid: 1, host: "one"))
        try await store.join(DaemonIdentity(owner: "b", pid: 2, host: "two"))
        #expect(try await store.claim(for: "a", share: 2, leaseMillis: 15_000).claimed.sorted() == ["dc", "tg"])
        for name in ["tg", "dc"] {
            try await store.apply(.claim(owner: "a", leaseUntil: clock.nowMillis() + 35_000), to: name, as: .owner("a"))
        }
        try await store.apply(.succeed, to: "tg", as: .owner("a"))  // tg connected, dc still connecting
        // b finds nothing free while a's lease runs.
        clock.advance(seconds: 10)
        #expect(try await store.claim(for: "b", share: 2, leaseMillis: 15_000).claimed.isEmpty)
        // a renews once, then dies (no more renewals).
        #expect(try await store.renew(for: "a", leaseMillis: 15_000) == ["tg", "dc"])
        clock.advance(seconds: 14.999)
        #expect(try await store.claim(for: "b", share: 2, leaseMillis: 15_000).claimed.isEmpty, "not a millisecond early")
        clock.advance(millis: 1)
        let taken = try await store.claim(for: "b", share: 2, leaseMillis: 15_000)
        #expect(taken.claimed.sorted() == ["dc", "tg"] && taken.takenOver.sorted() == ["dc", "tg"])
        let tg = try #require(try await store.record("tg"))
        #expect(tg.owner == "b" && tg.record.state == .backingOff && tg.record.nextRetryAt == clock.nowMillis(), "connected: reconnect at once")
        let dc = try #require(try await store.record("dc"))
        #expect(dc.record.state == .backingOff && dc.record.leaseOwner == nil && dc.record.attempts == 1, "the attempt in flight counts")
        #expect(try await store.events(platform: "tg").last?.detail?.contains("taken over from daemon a") == true)
        // a, back from a pause, has lost them: its renewal says so and its writes are refused.
        #expect(try await store.renew(for: "a", leaseMillis: 15_000).isEmpty)
        await #expect(throws: FleetStoreError.self) {
            try await store.apply(.disconnect(PlatformFailure(.network, message: "x")), to: "tg", as: .owner("a"))
        }
    }

    @Test("a graceful stop gives the platforms back at once; the fair share spreads them over the live daemons")
    func releaseAndShare() async throws {
        let location = try await SharedPostgres.database()
        let clock = ManualClock()
        let store = try await open(location, clock: clock)
        defer { Task { await store.close() } }
        try await store.register((0..<30).map { spec(String(format: "p%02d", $0)) })
        for daemon in ["a", "b", "c"] { try await store.join(DaemonIdentity(owner: daemon, pid: 1, host: daemon)) }
        #expect(try await store.fairShare(for: "a", leaseMillis: 15_000) == 10)
        for daemon in ["a", "b", "c"] {
            let share = try await store.fairShare(for: daemon, leaseMillis: 15_000)
            #expect(try await store.claim(for: daemon, share: share, leaseMillis: 15_000).claimed.count == 10)
        }
        try await store.release(for: "c")
        #expect(try await store.owned(by: "c").isEmpty)
        #expect(try await store.fairShare(for: "a", leaseMillis: 15_000) == 15)
        #expect(try await store.claim(for: "a", share: 15, leaseMillis: 15_000).claimed.count == 5)
        #expect(try await store.claim(for: "b", share: 15, leaseMillis: 15_000).claimed.count == 5)
        #expect(try await column(location, "SELECT stopped::text FROM fleet WHERE owner = 'c'") == ["true"])
    }

    @Test("URLs: each part parsed; each mistake named; the password never in the description")
    func urls() throws {
        let full = try PostgresLocation(url: "postgres://bot:s%40cret@db.internal:6543/fleet?sslmode=require")
        #expect(full == PostgresLocation(host: "db.internal", port: 6543, user: "bot", password: "s@cret", database: "fleet", tls: .require))
        #expect(full.description == "postgres://bot@db.internal:6543/fleet")
        #expect(try PostgresLocation(url: "postgresql://gw@[::1]/x").address == "[::1]:5432")
        for (bad, says) in [
            ("mysql://a@b/c", "must start with postgres://"), ("postgres://b/c", "no user"), ("postgres://a@b", "no database"),
            ("postgres://a@b:99999/c", "port"), ("postgres://a@b/c?sslmode=sometimes", "sslmode=sometimes"),
            ("postgres://a:p%zz@b/c", "percent-encoded"), ("postgres://a@b/c?pool=3", "unknown parameter 'pool'"),
        ] {
            #expect(throws: PostgresLocationError.self, "\(bad)") { try PostgresLocation(url: bad) }
            do { _ = try PostgresLocation(url: bad) } catch { #expect(error.description.contains(says), "\(bad): \(error)") }
        }
    }
}

@testable import GatewayPostgres

@Suite("PostgreSQL migrations: statements")
struct SQLScriptTests {
    @Test("a script is cut at the semicolons outside quotes, dollar quotes and comments; empty pieces are dropped")
    func splits() {
        let script = """
            -- a comment; with a semicolon
            CREATE TABLE a (x text DEFAULT ';');  /* block; comment */
            CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
            INSERT INTO a VALUES ('it''s; fine');
            ;
            SELECT "odd;name" FROM a
            """
        #expect(SQLScript.statements(script) == [
            "-- a comment; with a semicolon\nCREATE TABLE a (x text DEFAULT ';')",
            "/* block; comment */\nCREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql",
            "INSERT INTO a VALUES ('it''s; fine')",
            "SELECT \"odd;name\" FROM a",
        ])
    }
}
