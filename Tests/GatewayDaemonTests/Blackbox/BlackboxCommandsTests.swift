import Foundation
import GatewayStore
import Testing

/// Every command the README documents, run as the built binary beside a real `gatewayd run` — the operator's view.
@Suite("Black box: the gatewayd commands", .serialized)
struct BlackboxCommandsTests {
    static func yaml(sentLog: String) -> String {
        """
        reconnect: { base: 30s, factor: 1, cap: 30s, jitter: 0, connect_timeout: 5s }
        when_all_failed: stay
        platforms:
          up:   { type: simulated, script: "connect", sent_log: "\(sentLog)" }
          down: { type: simulated, script: "fail network" }
          bad:  { type: simulated, script: "fail auth", token: "bb-secret-token-1" }
        """
    }

    static func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    @Test("status, queue, events (table and --json); retry, pause, resume, reset from a second process; send, outbox")
    func operatorCommands() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let sentLog = gw.dir.appending(path: "sent.log").path
        let daemon = try gw.daemon(try gw.config(Self.yaml(sentLog: sentLog)))
        let store = try Store(path: gw.db)
        try await waitUntil("the three platforms settle", every: .milliseconds(50)) {
            let states = try await store.platforms().map(\.state)
            return states.sorted { $0.rawValue < $1.rawValue } == [.backingOff, .connected, .needsAttention]
        }
        let db = ["--db", gw.db]

        let status = try await gw.run(["status"] + db)
        #expect(status.status != 0, "not every platform is connected")
        for word in ["up", "connected", "down", "backing_off", "bad", "needs_attention"] {
            #expect(status.stdout.contains(word), "status shows \(word): \(status.stdout)")
        }
        let statusJSON = try #require(try Self.json(try await gw.run(["status", "--json"] + db).stdout) as? [String: Any])
        let names = (statusJSON["platforms"] as? [[String: Any]])?.compactMap { $0["name"] as? String }.sorted()
        #expect(names == ["bad", "down", "up"], "\(statusJSON)")

        let queue = try await gw.run(["queue"] + db)
        #expect(queue.status == 0 && queue.stdout.contains("down") && !queue.stdout.contains("needs_attention"), "\(queue.stdout)")
        let queueJSON = try #require(try Self.json(try await gw.run(["queue", "--json"] + db).stdout) as? [String: Any])
        #expect((queueJSON["queue"] as? [[String: Any]])?.count == 1, "\(queueJSON)")
        let events = try await gw.run(["events"] + db)
        #expect(events.status == 0 && events.stdout.contains("attempt_started"), "\(events.stdout)")
        let downEvents = try #require(try Self.json(try await gw.run(["events", "down", "--limit", "2", "--json"] + db).stdout) as? [String: Any])
        #expect((downEvents["events"] as? [Any])?.count == 2, "\(downEvents)")

        // Operator writes from another process; the running daemon acts on them.
        let attempts = try #require(try await store.platform("down")).attempts
        let retry = try await gw.run(["retry", "down"] + db)
        #expect(retry.status == 0, "\(retry.stderr)")
        try await waitUntil("the daemon retries down at once", every: .milliseconds(50)) {
            try await store.platform("down")?.attempts == attempts + 1
        }
        #expect(try await gw.run(["pause", "up"] + db).status == 0)
        try await waitUntil("up is paused", every: .milliseconds(50)) { try await store.platform("up")?.state == .paused }
        #expect(try await gw.run(["resume", "up"] + db).status == 0)
        try await waitUntil("up is connected again", every: .milliseconds(50)) { try await store.platform("up")?.state == .connected }
        #expect(try await gw.run(["reset", "down"] + db).status == 0)
        try await waitUntil("down's streak is forgotten", every: .milliseconds(50)) {
            try await store.platform("down").map { $0.attempts <= 1 && $0.state == .backingOff } == true
        }
        let audit = try await store.events(platform: "down", limit: 100)
        #expect(audit.contains { $0.kind == .reset && $0.actor.hasPrefix("operator:") })

        // send, single and --lines; outbox.
        let single = try await gw.run(["send", "up", "room", "one"] + db)
        #expect(single.status == 0 && single.stdout.hasPrefix("queued"), "\(single.stdout)\(single.stderr)")
        let lines = try await gw.run(["send", "up", "room", "--lines"] + db, stdin: "two\nthree\n")
        #expect(lines.status == 0 && lines.stdout.contains("queued 2 messages"), "\(lines.stdout)\(lines.stderr)")
        try await waitUntil("the three messages are sent", every: .milliseconds(50)) {
            try await store.outbox(states: [.sent]).count == 3
        }
        #expect(try String(contentsOfFile: sentLog, encoding: .utf8) == "room\tone\nroom\ttwo\nroom\tthree\n")
        let outbox = try await gw.run(["outbox", "--all"] + db)
        #expect(outbox.status == 0 && outbox.stdout.components(separatedBy: "sent").count - 1 >= 3, "\(outbox.stdout)")
        let outboxJSON = try #require(try Self.json(try await gw.run(["outbox", "--all", "--json"] + db).stdout) as? [[String: Any]])
        #expect(outboxJSON.compactMap { $0["text"] as? String ?? $0["target"] as? String }.count == 3)
        let empty = try await gw.run(["send", "up", "room", ""] + db)
        #expect(empty.status == 1 && empty.stderr.contains("the text is empty"), "\(empty.stderr)")
        let unknown = try await gw.run(["send", "nope", "room", "x"] + db)
        #expect(unknown.status == 1 && unknown.stderr.contains("unknown platform"), "\(unknown.stderr)")

        let inbox = try await gw.run(["inbox"] + db)
        #expect(inbox.status == 0, "\(inbox.stderr)")

        daemon.kill(SIGTERM)
        let result = await daemon.finished()
        #expect(result.status == 0, "\(result.stderr.suffix(2_000))")
        #expect(!result.stderr.contains("bb-secret-token-1"))
        // Read commands work with no daemon running too.
        let after = try await gw.run(["status"] + db)
        #expect(after.stdout.contains("daemon: not running"), "\(after.stdout)")
    }

    @Test("migrate creates a database; demo runs simulated platforms on a real file and prints the sqlite3 recipes")
    func migrateAndDemo() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let fresh = gw.dir.appending(path: "fresh.db").path
        let migrate = try await gw("migrate", "--db", fresh)
        #expect(migrate.status == 0 && FileManager.default.fileExists(atPath: fresh), "\(migrate.stdout)\(migrate.stderr)")
        let missing = try await gw("status", "--db", gw.dir.appending(path: "missing.db").path)
        #expect(missing.status == 66, "a read command never creates a database")

        let demoDB = gw.dir.appending(path: "demo.db").path
        let demo = try await gw("demo", "--db", demoDB, "--duration", "3s")
        #expect(demo.status == 0, "\(demo.stderr)")
        #expect(demo.stdout.contains("sqlite3 -header -column \(demoDB)"), "\(demo.stdout.suffix(800))")
        #expect(demo.stdout.contains("healthy") && demo.stdout.contains("badtoken"))
        let again = try await gw("demo", "--db", demoDB, "--duration", "1s")
        #expect(again.status == 0 && again.stdout.contains("resuming the schedule"), "\(again.stdout.prefix(300))")
    }
}

/// IRC's target rules where a user meets them: `gatewayd send` refuses a target IRC can never accept, and a refused
/// message that did reach the outbox fails alone while the messages behind it are sent — against a real ngircd.
@Suite("Black box: IRC targets", .serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/ngircd")))
struct BlackboxIRCTargetTests {
    @Test("send to 'bad target' exits 1 naming the rule and queues nothing; '#gw' is sent; a bad queued one fails alone")
    func badTargetNeverBlocks() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let irc = try await Ngircd()
        let daemon = try gw.daemon(try gw.config("""
            when_all_failed: stay
            platforms:
              irc: { type: irc, server: 127.0.0.1, port: \(irc.port), nick: gwbot, channels: ["#gw"] }
            """))
        let store = try Store(path: gw.db)
        try await waitUntil("irc is connected", every: .milliseconds(50)) { try await store.platform("irc")?.state == .connected }
        let db = ["--db", gw.db]
        let bad = try await gw.run(["send", "irc", "bad target", "x"] + db)
        #expect(bad.status == 1 && bad.stderr.contains("is not an IRC channel or nick") && bad.stderr.contains("without spaces"),
                "\(bad.stderr)")
        #expect(try await store.outbox().isEmpty, "nothing queued")
        let good = try await gw.run(["send", "irc", "#gw", "y"] + db)
        #expect(good.status == 0, "\(good.stderr)")
        try await waitUntil("#gw's message is sent", every: .milliseconds(50)) {
            try await store.outbox(states: [.sent]).count == 1
        }
        // A bad target that reached the outbox anyway (written by an older gatewayd): it fails alone.
        _ = try await store.enqueue(platform: "irc", target: "bad target", text: "x", expiresAt: nil, idempotencyKey: nil)
        _ = try await store.enqueue(platform: "irc", target: "#gw", text: "z", expiresAt: nil, idempotencyKey: nil)
        try await waitUntil("the one behind it is sent", every: .milliseconds(50)) {
            try await store.outbox(states: [.sent]).count == 2
        }
        let failed = try await store.outbox(states: [.failed])
        #expect(failed.map(\.target) == ["bad target"] && failed.first?.error?.contains("not an IRC channel") == true)
        #expect(try await store.platform("irc")?.state == .connected, "the link stayed up")
        daemon.kill(SIGTERM)
        #expect(await daemon.finished().status == 0)
    }
}
