import Foundation
import Testing

/// The outbox's hold after a failed send, through the built binary: `gatewayd send` to a platform whose sends fail
/// with a server error while its connection stays up (the simulated `@down`), and `gatewayd outbox --json` to watch.
@Suite("Black box: a failing send is retried after 1 s, 2 s, 4 s …, never in a loop")
struct BlackboxOutboxHoldTests {
    /// The most attempts that can have started `seconds` after the message was queued: the first at once, the n-th no
    /// earlier than 1 + 2 + … + 2^(n−2) = 2^(n−1) − 1 s later (each hold runs from the previous failure). A loaded
    /// machine only makes them later, so this bound holds there too.
    static func mostAttempts(after seconds: Double) -> Int {
        var count = 0
        while Double((1 << count) - 1) <= seconds { count += 1 }
        return count
    }

    @Test("send to @down: queued again with the 502, tried again, never more often than the holds allow; the connection stays up")
    func failingSendIsHeld() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let daemon = try gw.daemon(try gw.config("""
            when_all_failed: stay
            platforms:
              up: { type: simulated, script: "connect" }
            """))
        defer { daemon.kill(SIGKILL) }
        let db = ["--db", gw.db]
        try await waitUntil("up is connected", every: .milliseconds(50)) {
            try await gw.run(["status", "--json"] + db).stdout.contains("\"connected\"")
        }

        let queuedAt = ContinuousClock.now
        let send = try await gw.run(["send", "up", "@down", "hello"] + db)
        #expect(send.status == 0, "\(send.stderr)")
        var seen: (attempts: Int, error: String?) = (0, nil)
        func look() async throws {
            let text = try await gw.run(["outbox", "--json"] + db).stdout
            let entries = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] ?? []
            let allowed = Self.mostAttempts(after: (ContinuousClock.now - queuedAt) / .seconds(1))
            guard let entry = entries.first else { return }
            seen = (entry["attempts"] as? Int ?? 0, entry["error"] as? String)
            #expect(seen.attempts <= allowed, "\(seen.attempts) attempts where at most \(allowed) can have started")
        }
        try await waitUntil("the second attempt", every: .milliseconds(100)) {
            try await look()
            return seen.attempts >= 2
        }
        #expect(seen.error?.hasPrefix("waiting for the connection: server 502") == true, "\(seen.error ?? "-")")
        for _ in 0..<10 {  // a second more of watching: a loop would show at once
            try await Task.sleep(for: .milliseconds(100))
            try await look()
        }
        #expect(daemon.log.contains("outbox held back after a failed send"), "\(daemon.log.suffix(2_000))")
        #expect(try await gw.run(["status", "--json"] + db).stdout.contains("\"connected\""), "the connection is untouched")
    }
}
