import Foundation
import GatewayCore
import GatewayRuntime
import GatewayDaemon
import GatewayStore
import Testing

@Suite("Process level", .serialized)
struct ProcessTests {
    let binary: URL
    let dir: URL
    let db: String

    init() throws {
        binary = try #require(builtGatewayd(), "build the gatewayd product first")
        dir = FileManager.default.temporaryDirectory.appending(path: "gatewayd-proc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        db = dir.appending(path: "gateway.db").path
    }

    func config(_ yaml: String) throws -> URL {
        let url = dir.appending(path: "gatewayd-\(UUID().uuidString).yaml")
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func store() throws -> Store { try Store(path: db) }

    /// Polls the database (real time, bounded) until `condition` holds.
    func waitUntil(_ what: String, timeout: Duration = .seconds(60), _ condition: (Store) async throws -> Bool) async throws {
        let store = try store()
        try await GatewayDaemonTests.waitUntil(what, timeout: timeout, every: .milliseconds(50)) { try await condition(store) }
    }

    static let flapping = """
        reconnect: { base: 2s, factor: 1, cap: 2s, jitter: 0, connect_timeout: 30s }
        platforms:
          a: { type: simulated, script: "fail network" }
          b: { type: simulated, script: "fail server" }
          c: { type: simulated, script: "fail network" }
          up: { type: simulated, script: "connect" }
        """

    @Test("SIGKILL at several moments, then run again: attempts continue, none before its persisted next retry")
    func killAndRestart() async throws {
        let config = try config(Self.flapping)
        var lastAttempts: [String: Int] = [:]
        for round in 0..<3 {
            let daemon = try DaemonProcess(binary: binary, config: config, db: db)
            let startedAt = Int64(Date().timeIntervalSince1970 * 1000)
            let before = try await store().platforms()
            // Each queued row's first attempt in this run must not start before the next retry it had at the kill.
            try await waitUntil("round \(round): every queued row attempted again") { store in
                for name in ["a", "b", "c"] {
                    guard try await store.events(platform: name, limit: 200).contains(where: { $0.kind == .attemptStarted && $0.at >= startedAt }) else { return false }
                }
                return true
            }
            daemon.kill(SIGKILL)
            _ = await daemon.finished()
            let store = try store()
            for row in before where row.state == .backingOff {
                let events = try await store.events(platform: row.name, limit: 200)
                let first = try #require(events.first { $0.kind == .attemptStarted && $0.at >= startedAt })
                #expect(first.at >= (row.nextRetryAt ?? 0), "\(row.name): attempted at \(first.at), before its retry at \(row.nextRetryAt ?? 0)")
            }
            for name in ["a", "b", "c"] {
                let attempts = try #require(try await store.platform(name)).attempts
                #expect(attempts > lastAttempts[name, default: 0], "\(name): attempts continue (\(attempts))")
                lastAttempts[name] = attempts
            }
            #expect(try await store.integrityCheck() == ["ok"])
        }
    }

    @Test("a SIGKILL mid-attempt is counted; overdue rows are staggered after the restart")
    func killMidAttemptAndOverdue() async throws {
        let config = try config("""
            reconnect: { base: 1s, factor: 1, cap: 1s, jitter: 0, connect_timeout: 60s }
            platforms:
              hung: { type: simulated, script: "hang" }
              a: { type: simulated, script: "fail network" }
              b: { type: simulated, script: "fail network" }
              c: { type: simulated, script: "fail network" }
            """)
        let first = try DaemonProcess(binary: binary, config: config, db: db)
        try await waitUntil("hung is connecting and a, b, c have failed") { store in
            let rows = try await store.platforms()
            return rows.first { $0.name == "hung" }?.state == .connecting
                && rows.filter { $0.state == .backingOff }.count == 3
        }
        first.kill(SIGKILL)
        _ = await first.finished()
        try await Task.sleep(for: .seconds(2))  // let a, b and c become overdue while no daemon runs

        let second = try DaemonProcess(binary: binary, config: config, db: db)
        try await waitUntil("the restart is reconciled") { store in
            try await store.events(platform: "hung").contains { $0.kind == .interrupted }
        }
        let store = try store()
        let hung = try #require(try await store.platform("hung"))
        #expect(hung.attempts >= 1)
        #expect(try await store.events(platform: "hung").contains { $0.kind == .interrupted && $0.attempt == 1 })
        for name in ["a", "b", "c"] {
            #expect(try await store.events(platform: name).contains { $0.kind == .staggered }, "\(name) was overdue: staggered")
        }
        second.kill(SIGTERM)
        #expect(await second.finished().status == 0)
    }

    @Test("a second run on the same database is refused, naming the live pid and host")
    func secondRunRefused() async throws {
        let config = try config(Self.flapping)
        let first = try DaemonProcess(binary: binary, config: config, db: db)
        try await waitUntil("the first daemon holds the lease") { try await $0.daemonLease() != nil }
        let second = try DaemonProcess(binary: binary, config: config, db: db)
        let refused = await second.finished()
        #expect(refused.status == 75)
        #expect(refused.stderr.contains("pid \(first.pid)") && refused.stderr.contains(ProcessInfo.processInfo.hostName))
        first.kill(SIGTERM)
        #expect(await first.finished().status == 0)
    }

    @Test("SIGTERM exits 0 with the database consistent and the lease released")
    func sigtermIsClean() async throws {
        let config = try config(Self.flapping)
        let daemon = try DaemonProcess(binary: binary, config: config, db: db)
        try await waitUntil("up is connected") { try await $0.platform("up")?.state == .connected }
        daemon.kill(SIGTERM)
        let result = await daemon.finished()
        #expect(result.status == 0, "\(result.stderr)")
        let store = try store()
        #expect(try await store.integrityCheck() == ["ok"])
        #expect(try await store.daemonLease() == nil)
        let states = try await store.platforms().map(\.state)
        #expect(!states.contains(.connecting) && !states.contains(.connected))
    }

    @Test("every platform needing a human: exit 78, one line per platform")
    func exit78() async throws {
        let config = try config("""
            platforms:
              x: { type: simulated, script: "fail auth" }
              y: { type: simulated, script: "fail conflict", token: "123456:ABCDEF-secret-token" }
            """)
        let result = await (try DaemonProcess(binary: binary, config: config, db: db)).finished()
        #expect(result.status == 78)
        #expect(result.stderr.contains("  x: needs_attention: simulated auth failure"))
        #expect(result.stderr.contains("  y: needs_attention: "))
        #expect(!result.stderr.contains("ABCDEF-secret-token"), "no secret in the output")
    }

    @Test("an invalid configuration: exit 78 naming the key path, nothing started")
    func badConfig() async throws {
        let config = try config("reconnect: { base: -5s }\nplatforms:\n  x: { type: simulated, script: connect }\n")
        let result = await (try DaemonProcess(binary: binary, config: config, db: db)).finished()
        #expect(result.status == 78)
        #expect(result.stderr.contains("reconnect.base"))
        #expect(!FileManager.default.fileExists(atPath: db), "nothing started, no database created")
    }
}

@Suite("Process level: outbox", .serialized)
struct OutboxProcessTests {
    @Test("SIGKILL in the middle of a flush: after the restart all 100 messages are sent, at most one twice (at-least-once)")
    func killMidFlush() async throws {
        let binary = try #require(builtGatewayd())
        let dir = FileManager.default.temporaryDirectory.appending(path: "gatewayd-flush-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appending(path: "g.db").path
        let log = dir.appending(path: "sent.log").path
        func config(_ script: String) throws -> URL {
            let url = dir.appending(path: "c-\(UUID().uuidString).yaml")
            try """
                reconnect: { base: 1s, jitter: 0 }
                when_all_failed: stay
                platforms:
                  p: { type: simulated, script: "\(script)", sent_log: "\(log)", send_delay: 50ms }
                """.write(to: url, atomically: true, encoding: .utf8)
            return url
        }
        // The platform is down: messages queue up.
        let down = try DaemonProcess(binary: binary, config: try config("fail network"), db: db)
        let store = try Store(path: db)
        try await waitUntil("the daemon has written its platform row", every: .milliseconds(20)) { try await store.platform("p") != nil }
        down.kill(SIGTERM)
        #expect(await down.finished().status == 0)
        for index in 0..<100 {
            _ = try await DeliveryRouter.enqueue(store: store, kinds: PlatformKinds.all, platform: "p", target: "#c", text: "m\(index)", expiresAt: nil, idempotencyKey: nil)
        }
        func sentLines() -> [String] {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map { String($0.split(separator: "\t").last ?? "") }
        }
        // Back up; killed mid-flush.
        let first = try DaemonProcess(binary: binary, config: try config("connect"), db: db)
        try await waitUntil("30 messages sent before the kill") { sentLines().count >= 30 }
        first.kill(SIGKILL)
        _ = await first.finished()
        let beforeRestart = sentLines().count
        #expect(beforeRestart >= 30 && beforeRestart < 100, "killed in the middle (\(beforeRestart) sent)")
        // Restarted: the rest goes out.
        let second = try DaemonProcess(binary: binary, config: try config("connect"), db: db)
        try await waitUntil("the outbox drained after the restart", every: .milliseconds(50)) { try await store.outbox(states: [.queued, .sending]).isEmpty }
        second.kill(SIGTERM)
        #expect(await second.finished().status == 0)
        let lines = sentLines()
        var seen: [String] = []
        for line in lines where !seen.contains(line) { seen.append(line) }
        #expect(seen == (0..<100).map { "m\($0)" }, "every message, in order")
        #expect(lines.count - seen.count <= 1, "at most the in-flight message is sent twice (\(lines.count - seen.count))")
        #expect(try await store.outbox(states: [.sent]).count == 100)
    }
}
