import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayIRC
@testable import GatewayDaemon
@testable import GatewayRuntime

/// The outbox against a real ngircd, observed by a second, independent IRC client in the channels.
///
/// Pacing: the adapter sends a burst of 5 lines, then one line per 2 s on the gateway's (manual) clock — unchanged
/// here. Each message is its PRIVMSG plus the PING that confirms it (`send` returns on the PONG): two lines.
/// ngircd's own flood control works in real time (ngircd 26, src/ngircd/conn.c): a client is suspended for a second whenever more than 3 commands wait in its read buffer at once (`MAX_COMMANDS`) or it sends 256 bytes or
/// more within one second (`COMMAND_LEN / 2`); operators with user mode `F` and servers are exempt. Measured on this
/// ngircd 26.1 with a raw client: 60 lines of 16 bytes at 10 lines/s arrived in 6.3 s (no throttling), at 20/s
/// (320 B/s) in 10.9 s, 60 lines of 30 bytes at 10/s (300 B/s) in 12.4 s, and 30 lines sent at once in 9.1 s
/// (3 lines per penalty second). Nothing is dropped: a throttled client is only delayed. Our real pace (≤ 1 line / 2 s, lines ≤ 512 bytes) is
/// within those limits, so the test keeps it and only compresses the manual clock's idle time: it moves the clock
/// one pacing interval (2 s) when a message is in flight (`sending`) and the watcher has received every message
/// confirmed so far, at most every 100 ms of real time — ≤ 10 lines/s of ~20 bytes (≤ 200 B/s), one line in ngircd's
/// buffer at a time, under its limits — so the 100 messages (200 lines) take ~23 s instead of the 400 s they take at
/// the real pace (~13 s before each message carried its PING). (Moving the clock blindly at that rate does not
/// work: a few lines bunch up, ngircd throttles, the backlog grows faster than it drains at 3 lines per penalty
/// second, and a PING — 60 s of compressed clock later — times out behind it; the link drops, and the unconfirmed
/// messages are sent again after the reconnect: a line would be seen twice, and this test wants each exactly once.)
/// The test server keeps ngircd's default flood control
/// (ngircd.conf(5)'s `MaxPenaltyTime = 0` would switch penalties off — "mostly a debugging feature"; not used here).
@Suite(
    "Outbox with IRC (real ngircd)", .serialized,
    .enabled(if: Ngircd.isInstalled, "ngircd is not installed at /usr/sbin/ngircd (scripts/test installs it with apt)"))
struct IRCOutboxTests {
    static let count = 100
    static let channels = ["#even", "#odd"]

    @Test("ngircd killed, 100 messages queued, ngircd back: a second client sees all 100 once each, in order per channel")
    func outage() async throws {
        let server = try await Ngircd()
        let g = try await Harness("""
            reconnect: { base: 30s, jitter: 0 }
            when_all_failed: stay
            platforms:
              chat: { type: irc, server: 127.0.0.1, port: \(server.port), nick: gwbot, channels: ["#even", "#odd"] }
            """)
        try await g.waitFor("chat", .connected)
        try await g.settle()

        server.kill9()  // the IRC platform goes down
        try await g.waitForFailure("chat")
        for index in 0..<Self.count {
            _ = try await g.runner.router.submit(platform: "chat", target: Self.channels[index % 2], text: "m\(index)")
        }
        try await g.settle()
        #expect(try await g.store.outbox(states: [.queued]).count == Self.count, "all queued while ngircd is down")

        // ngircd back; the watcher is in both channels before the bot reconnects, so it sees every line.
        try await server.start()
        let watcher = try await RawIRCClient.connect(port: server.port, nick: "watcher")
        try await watcher.send("JOIN #even,#odd")
        try await watcher.waitFor("the watcher's joins") { line in
            watcher.received.filter { $0.hasPrefix(":watcher!") && $0.contains(" JOIN ") }.count == 2 && line.contains(" JOIN ")
        }
        g.clock.set(try #require(try await g.store.earliestDue()))
        try await g.waitFor("chat", .connected)
        try await watcher.waitForMember("gwbot", in: "#odd")

        // Let the paced drain run (see the suite's note): the manual clock moves to the adapter's next pacing slot
        // only once the watcher has received every message confirmed so far, and at most every 100 ms of real time.
        let deadline = ContinuousClock.now + .seconds(120)
        var lastStep = ContinuousClock.now
        while try await !g.store.outbox(states: [.queued, .sending]).isEmpty, ContinuousClock.now < deadline {
            let waiting = try await g.store.outbox(states: [.sending]).count  // handed to the adapter: on the pacer
            let confirmed = try await g.store.outbox(states: [.sent]).count
            if waiting == 1, Self.received(by: watcher).count >= confirmed, ContinuousClock.now - lastStep >= .milliseconds(100) {
                g.clock.advance(seconds: 2)  // one pacing interval
                lastStep = ContinuousClock.now
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(try await g.store.outbox(states: [.sent]).count == Self.count, "every message recorded as sent")
        try await waitUntil("the watcher saw \(Self.count) messages", timeout: .seconds(60)) {
            Self.received(by: watcher).count >= Self.count
        }
        let seen = Self.received(by: watcher)
        #expect(seen.count == Self.count, "each exactly once (\(seen.count) lines)")
        for (parity, channel) in Self.channels.enumerated() {
            let expected = stride(from: parity, to: Self.count, by: 2).map { "m\($0)" }
            #expect(seen.filter { $0.channel == channel }.map(\.text) == expected, "\(channel): in order, none missing or twice")
        }
        await watcher.close()
        try await g.stop()
    }

    /// The bot's PRIVMSGs to the channels as the watcher received them, in order.
    static func received(by watcher: RawIRCClient) -> [(channel: String, text: String)] {
        watcher.received.compactMap { line in
            guard line.hasPrefix(":gwbot!"), let range = line.range(of: " PRIVMSG ") else { return nil }
            let rest = line[range.upperBound...]
            guard let colon = rest.range(of: " :") else { return nil }
            return (String(rest[..<colon.lowerBound]), String(rest[colon.upperBound...]))
        }
    }
}
