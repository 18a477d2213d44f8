import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayIRC
@testable import GatewayDaemon
@testable import GatewayRuntime

/// The IRC adapter end to end: a whole gateway (Harness) against a real ngircd on loopback, plus an independent raw
/// client. Serialized: each test runs its own server, and two CPUs are enough for one at a time.
@Suite(
    "IRC against a real ngircd", .serialized,
    .enabled(if: Ngircd.isInstalled, "ngircd is not installed at /usr/sbin/ngircd (scripts/test installs it with apt)"))
struct IRCNgircdTests {
    static func yaml(port: Int, extra: String = "", reconnect: String = "{ base: 30s, jitter: 0 }") -> String {
        """
        reconnect: \(reconnect)
        when_all_failed: stay
        platforms:
          chat: { type: irc, server: 127.0.0.1, port: \(port), nick: gwbot, channels: ["#test"]\(extra) }
        """
    }

    @Test("connects and joins; a message sent through the router reaches a raw client, and back to the sink")
    func connectJoinSendReceive() async throws {
        let server = try await Ngircd()
        let sink = CollectingSink()
        let g = try await Harness(Self.yaml(port: server.port), sink: sink)
        try await g.waitFor("chat", .connected)

        let raw = try await RawIRCClient.connect(port: server.port, nick: "watcher")
        try await raw.send("JOIN #test")
        try await raw.waitForMember("gwbot", in: "#test")
        #expect(try await g.runner.router.directory(platform: "chat").map(\.channel.id) == ["#test"])

        let sent = try await g.runner.router.send(OutgoingMessage(target: "#test", text: "hello from gatewayd"), on: "chat")
        #expect(sent.ids.count == 1)
        try await raw.waitFor("the bot's message") { $0.hasPrefix(":gwbot!") && $0.hasSuffix("PRIVMSG #test :hello from gatewayd") }

        let long = String(repeating: "0123456789 ", count: 90)  // 990 bytes → three PRIVMSGs
        // The JOIN, the first message and its confirming PING, then three pieces and theirs: 7 lines, two past the
        // burst of 5. Two pacing intervals on the manual clock let them all go.
        g.clock.advance(seconds: 4)
        #expect(try await g.runner.router.send(OutgoingMessage(target: "watcher", text: long), on: "chat").ids.count == 3)
        try await raw.waitFor("the third piece") { line in
            raw.received.filter { $0.contains("PRIVMSG watcher :") }.count == 3 && line.contains("PRIVMSG watcher :")
        }
        let pieces = raw.received.filter { $0.contains("PRIVMSG watcher :") }.map { String($0.split(separator: ":", maxSplits: 2)[1]) }
        #expect(pieces.joined(separator: " ") == long.trimmingCharacters(in: .whitespaces))

        try await raw.send("PRIVMSG #test :hi bot")
        try await raw.send("PRIVMSG gwbot :psst")
        try await g.waitUntil("both messages reached the sink") { sink.messages.count == 2 }
        let (channel, direct) = (sink.messages[0], sink.messages[1])
        #expect(channel.platform == "chat" && channel.chat == "#test" && channel.sender == "watcher" && channel.text == "hi bot")
        #expect(direct.chat == "watcher" && direct.sender == "watcher" && direct.text == "psst")
        #expect(channel.id != direct.id, "synthesized ids are unique per connection")
        #expect(sink.cursors.allSatisfy { $0.isEmpty }, "IRC has no cursor")

        try await raw.send(bytes: Array("PRIVMSG #test :caf".utf8) + [0xE9, 0x20, 0xFF])  // Latin-1, not UTF-8
        try await g.waitUntil("the non-UTF-8 message reached the sink") { sink.messages.count == 3 }
        #expect(sink.messages[2].text == "caf\u{E9} \u{FF}", "read as Latin-1, nothing lost, nothing crashed")
        await raw.close()
        try await g.stop()
    }

    @Test("kill -9 of the server → backing_off (network); restarted, the next retry reconnects by itself")
    func killAndRestartReconnects() async throws {
        let server = try await Ngircd()
        let g = try await Harness(Self.yaml(port: server.port))
        try await g.waitFor("chat", .connected)
        try await g.settle()

        server.kill9()
        try await g.waitForFailure("chat")
        let down = try await g.row("chat")
        #expect(down.lastErrorClass == .network, "\(down.lastErrorCode ?? "-"): \(down.lastError ?? "-")")
        #expect(down.nextRetryAt == g.clock.nowMillis() + 30_000)

        try await server.start()
        g.clock.advance(seconds: 30)
        try await g.waitFor("chat", .connected)
        let raw = try await RawIRCClient.connect(port: server.port, nick: "watcher")
        try await raw.send("JOIN #test")
        try await raw.waitForMember("gwbot", in: "#test")
        await raw.close()
        try await g.stop()
    }

    @Test("nick in use: the bot registers with the alternate nick")
    func nickInUseUsesAlternate() async throws {
        let server = try await Ngircd()
        let holder = try await RawIRCClient.connect(port: server.port, nick: "gwbot")
        let capture = LogCapture()
        let g = try await Harness(Self.yaml(port: server.port), logger: capture.logger())
        try await g.waitFor("chat", .connected)
        try await holder.send("JOIN #test")
        try await holder.waitForMember("gwbot_", in: "#test")
        #expect(capture.text.contains("irc registered") && capture.text.contains("irc.nick=gwbot_"))
        let sent = try await g.runner.router.send(OutgoingMessage(target: "gwbot", text: "I took your nick"), on: "chat")
        #expect(sent.ids.count == 1)
        try await holder.waitFor("the message from gwbot_") { $0.hasPrefix(":gwbot_!") && $0.hasSuffix("PRIVMSG gwbot :I took your nick") }
        await holder.close()
        try await g.stop()
    }

    @Test("no 001 in time → network; then wrong password → needs_attention, never retried; the password is in no log, error or DB byte")
    func wrongPasswordNeedsAttention() async throws {
        let secret = "wrong-secret-8472"
        let server = try await Ngircd(password: "right-password-31337")
        // First a network failure with the password configured — the secret must survive that too: a stopped server
        // accepts the TCP connection (kernel backlog) but never sends 001, so registration times out.
        server.pause()
        let capture = LogCapture()
        let g = try await Harness(
            Self.yaml(port: server.port, extra: ", password: ${IRC_PASS}, register_timeout: 20s"), environment: ["IRC_PASS": secret],
            logger: capture.logger())
        try await g.waitUntil("registration started") { capture.text.contains("irc line sent irc.line=USER") }
        g.clock.advance(seconds: 20)
        try await g.waitForFailure("chat")
        let timedOut = try await g.row("chat")
        #expect(timedOut.lastErrorClass == .network && timedOut.lastErrorCode == "register_timeout", "\(timedOut.lastError ?? "-")")

        server.resume()
        g.clock.advance(seconds: 30)
        try await g.waitFor("chat", .needsAttention)
        let row = try await g.row("chat")
        #expect(row.lastErrorClass == .auth && row.lastErrorCode == "bad_password", "\(row.lastError ?? "-")")
        let attempts = row.attempts

        g.clock.advance(seconds: 3_600)
        try await g.settle()
        let later = try await g.row("chat")
        #expect(later.state == .needsAttention && later.attempts == attempts, "never retried by itself")

        #expect(capture.text.contains("PASS <redacted>"), "the sent PASS line was logged, redacted")
        #expect(!capture.text.contains(secret))
        #expect(!(later.lastError ?? "").contains(secret))
        #expect(try await g.store.events(platform: "chat", limit: 1_000).allSatisfy { !"\($0)".contains(secret) })
        try await g.stop()
        #expect(try !databaseFilesContain(secret, path: g.path))
    }

    @Test("SASL configured but not offered (ngircd has none) → server class, backing_off; the SASL password stays secret")
    func saslUnavailableIsServerClass() async throws {
        let secret = "sasl-secret-5309"
        let server = try await Ngircd()
        let capture = LogCapture()
        let g = try await Harness(
            Self.yaml(port: server.port, extra: ", sasl_user: gwbot, sasl_password: ${IRC_SASL}"),
            environment: ["IRC_SASL": secret], logger: capture.logger())
        try await g.waitForFailure("chat")
        let row = try await g.row("chat")
        #expect(row.lastErrorClass == .server && row.lastErrorCode == "sasl_unavailable", "\(row.lastError ?? "-")")
        #expect(capture.text.contains("CAP LS 302") && (row.lastError ?? "").contains("does not offer SASL"))
        #expect(!capture.text.contains(secret) && !(row.lastError ?? "").contains(secret))
        try await g.stop()
        #expect(try !databaseFilesContain(secret, path: g.path))
    }

    @Test("idle ping: a server that stops answering (SIGSTOP) → network ping_timeout, requeued, then reconnects")
    func idlePingTimeout() async throws {
        let server = try await Ngircd()
        let capture = LogCapture()
        let g = try await Harness(
            Self.yaml(port: server.port, extra: ", ping_interval: 30s, ping_timeout: 10s", reconnect: "{ base: 60s, jitter: 0 }"),
            logger: capture.logger())
        try await g.waitFor("chat", .connected)
        try await g.settle()

        server.pause()
        g.clock.advance(seconds: 30)  // idle for ping_interval: our PING goes out
        g.clock.advance(seconds: 10)  // and nothing comes back within ping_timeout
        try await g.waitForFailure("chat")
        let row = try await g.row("chat")
        #expect(row.lastErrorClass == .network && row.lastErrorCode == "ping_timeout", "\(row.lastError ?? "-")")
        #expect(row.nextRetryAt == g.clock.nowMillis() + 60_000, "requeued with backoff")
        #expect(capture.text.contains("irc idle ping sent"))

        server.resume()
        g.clock.advance(seconds: 60)
        try await g.waitFor("chat", .connected)
        try await g.stop()
    }
}
