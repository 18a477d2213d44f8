import Foundation
import GatewayCore
import GatewayPostgres
import GatewayStore
import Testing

/// The fleet end to end (issue 15): three real `gatewayd run` processes on one PostgreSQL share 30 simulated platforms
/// and one Telegram bot served by the local Telegram server, which answers a second concurrent `getUpdates` for the
/// token with 409, as Telegram does. One daemon — the Telegram bot's owner — is killed with SIGKILL.
///
/// `GATEWAYD_FLEET_RUNS` repeats it (the issue asks for 10 in a row; CI runs it once).
@Suite(
    "Fleet: three gatewayd processes on one PostgreSQL", .serialized,
    .enabled(if: PostgresServer.binDirectory != nil, "\(PostgresServer.missing)"))
struct FleetProcessTests {
    static let runs = Int(ProcessInfo.processInfo.environment["GATEWAYD_FLEET_RUNS"] ?? "") ?? 1
    static let leaseMillis: Int64 = 6_000
    static let connectTimeoutMillis: Int64 = 10_000
    static let names = (1...30).map { String(format: "s%02d", $0) } + ["tg"]

    @Test(
        "SIGKILL the Telegram bot's daemon: every platform is connected again under a live daemon within a lease plus one attempt, no token is polled twice at once, no message is lost",
        arguments: 1...runs)
    func sigkillOneOfThree(run: Int) async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let location = try await SharedPostgres.database()
        let url = "postgres://\(location.user)@127.0.0.1:\(location.port)/\(location.database)?sslmode=disable"
        let telegram = try await TelegramTestServer.start(token: telegramTestToken)
        await telegram.state.answerOverlapsWithConflict()
        var yaml = """
            when_all_failed: stay
            fleet: { lease: \(Self.leaseMillis / 1_000)s }
            reconnect: { base: 1s, cap: 2s, jitter: 0, connect_timeout: \(Self.connectTimeoutMillis / 1_000)s }
            platforms:
              tg: { type: telegram, token: ${FLEET_TG}, api_base: "\(telegram.apiBase)", poll_timeout: 1s }

            """
        for name in Self.names where name != "tg" { yaml += "  \(name): { type: simulated, script: connect }\n" }
        let config = try gw.config(yaml)
        let environment = ["FLEET_TG": telegramTestToken]
        var daemons = try (0..<3).map { index in
            try DaemonProcess(
                binary: gw.binary, config: config, db: url, logLevel: "info", arguments: ["--http", "127.0.0.1:0"],
                stderrFile: gw.dir.appending(path: "daemon-\(index).log"), environment: environment)
        }
        defer { for daemon in daemons { daemon.kill(SIGKILL) } }
        let store = try await PostgresStore(location: location)

        // Every platform connected under a running daemon.
        try await waitUntil("all 31 platforms are connected under a daemon's lease", every: .milliseconds(100)) {
            try await Self.connected(store, excluding: nil).count == Self.names.count
        }
        let members = try await store.fleet()
        let pids = Dictionary(uniqueKeysWithValues: members.map { ($0.identity.owner, $0.identity.pid) })
        let ownership = Dictionary(grouping: try await store.records(), by: { $0.owner ?? "-" }).mapValues(\.count)
        print("fleet run \(run): platforms per daemon before the kill: \(ownership.values.sorted())")

        // Messages through a daemon that does not own the bot: the owner sends them.
        let tgOwner = try #require(try await store.record("tg")?.owner)
        let victim = try #require(daemons.firstIndex { Int64($0.pid) == pids[tgOwner] }, "the bot's owner is one of ours")
        let survivor = daemons.indices.first { $0 != victim }!
        let base = "http://127.0.0.1:\(try await daemons[survivor].httpPort())"
        for index in 1...10 {
            let reply = try await http(.POST, "\(base)/v1/messages", body: #"{"platform":"tg","target":"42","text":"before \#(index)"}"#)
            #expect(reply.status == 202, "\(reply.body)")
        }
        try await waitUntil("the 10 first messages are sent", every: .milliseconds(100)) {
            await telegram.state.sent.count >= 10
        }

        // SIGKILL the owner; queue more while the bot has no connection.
        let killedAt = SystemWallClock().nowMillis()
        daemons[victim].kill(SIGKILL)
        _ = await daemons[victim].finished()
        for index in 1...10 {
            let reply = try await http(.POST, "\(base)/v1/messages", body: #"{"platform":"tg","target":"42","text":"after \#(index)"}"#)
            #expect(reply.status == 202, "\(reply.body)")
        }
        try await waitUntil("every platform is connected again, none under the killed daemon", every: .milliseconds(100)) {
            try await Self.connected(store, excluding: tgOwner).count == Self.names.count
        }
        let tg = try #require(try await store.record("tg"))
        let failover = try #require(tg.record.connectedSince) - killedAt
        // The lease runs out at most a lease after the kill (it was renewed before); a survivor short of its share
        // claims as it ends; then one attempt (bounded by its connect timeout).
        let bound = Self.leaseMillis + Self.connectTimeoutMillis
        print("fleet run \(run): the bot was connected again \(failover) ms after the SIGKILL (bound \(bound) ms)")
        #expect(failover <= bound, "failover \(failover) ms > lease + one attempt (\(bound) ms)")
        #expect(tg.owner != tgOwner)

        try await waitUntil("all 20 messages are sent", every: .milliseconds(100)) {
            Set(await telegram.state.sent.map(\.text)).count >= 20
        }
        let texts = Set(await telegram.state.sent.map(\.text))
        #expect(texts == Set((1...10).map { "before \($0)" } + (1...10).map { "after \($0)" }))
        // The server has them; the owner records each as sent once the server's answer is in.
        try await waitUntil("the outbox records all 20 sent", every: .milliseconds(100)) {
            try await store.outbox(states: [.sent], platform: "tg").count == 20
        }
        #expect(try await store.outbox(platform: "tg").count == 20)
        #expect(await telegram.state.overlappingPolls == 0, "the bot's token was polled by two daemons at once")

        // A graceful stop gives the platforms back.
        for index in daemons.indices where index != victim {
            daemons[index].kill(SIGTERM)
            let (status, log) = await daemons[index].finished()
            #expect(status == 0, "\(log.suffix(2_000))")
        }
        daemons = []
        #expect(try await store.records().allSatisfy { $0.owner == nil })
        await store.close()
        await telegram.stop()
    }

    /// The platforms connected under a running daemon's lease (not `excluding`'s).
    static func connected(_ store: PostgresStore, excluding: String?) async throws -> [String] {
        let now = SystemWallClock().nowMillis()
        return try await store.records().filter {
            $0.record.state == .connected && ($0.ownerUntil ?? 0) > now && $0.owner != nil && $0.owner != excluding
        }.map(\.record.name)
    }
}
