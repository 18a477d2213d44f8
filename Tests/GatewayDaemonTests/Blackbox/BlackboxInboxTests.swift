import Foundation
import Testing

/// `gatewayd inbox` over the built binary, beside a running daemon that polls the local Telegram server: the list,
/// `--after` and `--platform`, and `--follow --json` printing each message as it is stored, one JSON object per line;
/// `status --watch` refreshing into a file.
@Suite("Black box: inbox, inbox --follow, status --watch")
struct BlackboxInboxTests {
    @Test("inbox lists what arrived; --follow --json prints later messages as they are stored, once each, in order")
    func follow() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let telegram = try await TelegramTestServer.start(token: telegramTestToken)
        setenv("BB_INBOX_TG", telegramTestToken, 1)
        let config = try gw.config("""
            when_all_failed: stay
            platforms:
              tg: { type: telegram, token: ${BB_INBOX_TG}, api_base: "\(telegram.apiBase)", poll_timeout: 1s }
            """)
        let daemon = try gw.daemon(config)
        _ = await telegram.state.enqueueMessages(["one", "two"])
        let db = ["--db", gw.db]
        try await waitUntil("two messages are stored", every: .milliseconds(50)) {
            try await gw.run(["inbox"] + db).stdout.split(separator: "\n").count == 2
        }
        let list = try await gw.run(["inbox"] + db)
        #expect(list.status == 0 && list.stdout.contains("tg  42  <") && list.stdout.contains("one"), "\(list.stdout)")
        let later = try await gw.run(["inbox", "--after", "1", "--json"] + db)
        #expect(later.stdout.split(separator: "\n").map { try? Self.text(of: $0) } == ["two"], "\(later.stdout)")
        #expect(try await gw.run(["inbox", "--platform", "other"] + db).stdout.isEmpty)

        // --follow: a second process that keeps printing, fed by the daemon's writes to the file.
        // Its output goes to a file, as into a pipe: block-buffered unless the command flushes each update.
        let output = gw.dir.appending(path: "follow.out")
        let follower = try gw.start(["inbox", "--follow", "--json", "--after", "2"] + db, output: output)
        defer { follower.terminate() }
        func followed() throws -> [String] {
            try String(contentsOf: output, encoding: .utf8).split(separator: "\n").map { try Self.text(of: $0) }
        }
        _ = await telegram.state.enqueueMessages(["three", "four"])
        try await waitUntil("--follow prints three and four", every: .milliseconds(50)) { try followed().count >= 2 }
        _ = await telegram.state.enqueueMessages(["five"])
        try await waitUntil("--follow prints five", every: .milliseconds(50)) { try followed().count >= 3 }
        #expect(try followed() == ["three", "four", "five"])
        #expect(follower.isRunning, "--follow keeps running")

        daemon.kill(SIGTERM)
        #expect(await daemon.finished().status == 0)
        await telegram.stop()
    }

    @Test("status --watch into a file writes each refresh as it is made, not when a buffer fills")
    func statusWatch() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let config = try gw.config("when_all_failed: stay\nplatforms:\n  lab: { type: simulated, script: connect }\n")
        let daemon = try gw.daemon(config)
        try await waitUntil("lab is connected", every: .milliseconds(50)) {
            try await gw.run(["status", "--db", gw.db]).status == 0
        }
        let output = gw.dir.appending(path: "watch.out")
        // The next refresh is an hour away: block-buffered, the first one would sit in the buffer all that time.
        let watcher = try gw.start(["status", "--watch", "3600", "--db", gw.db], output: output)
        defer { watcher.terminate() }
        try await waitUntil("the first refresh is written", every: .milliseconds(50)) {
            (try String(contentsOf: output, encoding: .utf8)).contains("lab   simulated  connected")
        }
        #expect(watcher.isRunning)
        daemon.kill(SIGTERM)
        #expect(await daemon.finished().status == 0)
    }

    /// The `text` of one `inbox --json` line (which must be a JSON object with the webhook's fields).
    static func text(of line: Substring) throws -> String {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(Set(object.keys).isSuperset(of: ["id", "platform", "message_id", "chat", "sender", "text", "received_at"]))
        return try #require(object["text"] as? String)
    }
}
