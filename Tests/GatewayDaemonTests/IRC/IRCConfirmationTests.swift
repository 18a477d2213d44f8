import GatewayStore
import Logging
import Synchronization
import Testing

@testable import GatewayCore
@testable import GatewayIRC
@testable import GatewayDaemon
@testable import GatewayRuntime

/// `send` returns only once the server has answered the PING written after the message's lines: the PONG proves the
/// server read them. Against a scripted server that can hold back, withhold or drop.
@Suite("IRC send confirmation", .serialized)
struct IRCConfirmationTests {
    /// What the scripted server does, changeable while it runs.
    final class Script: Sendable {
        struct Rules {
            var answerPings = true
            /// Close the connection (no reply) on the first PRIVMSG of connections with these numbers (1-based).
            var dropPrivmsgOn: Set<Int> = []
        }

        let rules: Mutex<Rules>
        private let connections = Mutex(0)

        init(_ rules: Rules = Rules()) { self.rules = Mutex(rules) }

        var reply: ScriptedIRCServer.Reply {
            { line in self.answer(line) }
        }

        private func answer(_ line: String) -> (lines: [String], close: Bool) {
            let rules = rules.withLock { $0 }
            if line.hasPrefix("NICK ") { connections.withLock { $0 += 1 } }
            if line.hasPrefix("USER ") { return ([":srv 001 gwbot :Welcome", ":srv 376 gwbot :End of MOTD"], false) }
            if line.hasPrefix("JOIN ") { return ([":gwbot!gw@host JOIN :#test"], false) }
            if line.hasPrefix("PING ") {
                let token = Self.token(ofPing: line)
                return (rules.answerPings ? [":srv PONG srv :\(token)"] : [], false)
            }
            if line.hasPrefix("PRIVMSG "), rules.dropPrivmsgOn.contains(connections.withLock { $0 }) { return ([], true) }
            return ([], false)
        }

        static func token(ofPing line: String) -> String {
            var token = String(line.dropFirst("PING ".count))
            if token.hasPrefix(":") { token.removeFirst() }
            return token
        }
    }

    static func platform(port: Int) -> PlatformConfig {
        PlatformConfig(name: "chat", type: .irc, options: [
            "server": .string("127.0.0.1"), "port": .int(port), "nick": .string("gwbot"), "channels": .list(["#test"]),
        ])
    }

    /// A connected adapter on its own manual clock, its run loop in a task.
    static func connected(
        port: Int, clock: ManualClock, sink: CollectingSink
    ) async throws -> (IRCAdapter, Task<Void, any Error>) {
        let context = AdapterContext(
            platform: "chat", store: nil, clock: clock, logger: Harness.quietLogger, redactor: .none, sink: sink)
        let adapter = try IRCAdapter(platform: platform(port: port), context: context)
        try await adapter.connect()
        return (adapter, Task { try await adapter.run() })
    }

    @Test("pings: one token sequence for probes and confirmations; a PONG before the wait counts; close fails the rest")
    func pingsBookkeeping() async throws {
        let pings = IRCPings()
        #expect(pings.token() == "gatewayd-1")
        let early = try pings.expect()
        let late = try pings.expect()
        #expect(early == "gatewayd-2" && late == "gatewayd-3")
        #expect(pings.answered(early) && !pings.answered("gatewayd-1") && !pings.answered("stranger"))
        try await pings.wait(for: early)  // answered before anyone waited
        let waiting = Task { try await pings.wait(for: late) }
        pings.close(IRCAdapter.stoppedError)
        await #expect(throws: AdapterError.self) { try await waiting.value }
        #expect(throws: AdapterError.self) { _ = try pings.expect() }
        #expect(pings.pendingCount == 0)
    }

    @Test("send writes PRIVMSG then PING :<token>, and returns only when the PONG with that token arrives")
    func waitsForItsPong() async throws {
        let script = Script(.init(answerPings: false))
        let server = try await ScriptedIRCServer(reply: script.reply)
        let sink = CollectingSink()
        let (adapter, running) = try await Self.connected(port: server.port, clock: ManualClock(), sink: sink)
        let returned = Atomic(false)
        let sending = Task {
            let sent = try await adapter.send(OutgoingMessage(target: "#test", text: "hello"))
            returned.store(true, ordering: .sequentiallyConsistent)
            return sent
        }
        try await waitUntil("the server read a PING") { server.lines.contains { $0.hasPrefix("PING ") } }
        let lines = server.lines
        let ping = try #require(lines.firstIndex { $0.hasPrefix("PING ") })
        #expect(lines.firstIndex(of: "PRIVMSG #test :hello").map { $0 < ping } == true, "\(lines)")
        let token = Script.token(ofPing: lines[ping])
        #expect(token.hasPrefix("gatewayd-"))

        // Another PONG and later traffic do not confirm it: once the adapter has handled a line pushed after them,
        // send is still waiting.
        try await server.push(":srv PONG srv :\(token)0")
        try await server.push(":alice!a@host PRIVMSG #test :after a stranger's PONG")
        try await waitUntil("the adapter read the later line") { sink.messages.count == 1 }
        let returnedEarly = returned.load(ordering: .sequentiallyConsistent)
        #expect(!returnedEarly, "send returned before its PONG")

        try await server.push(":srv PONG srv :\(token)")
        #expect(try await sending.value.ids.count == 1)
        #expect(adapter.pings.pendingCount == 0, "nothing left waiting")
        await adapter.disconnect()
        try await running.value
        await server.close()
    }

    @Test("no PONG within ping_timeout of the PING → send throws network ping_timeout (connection scope); the link is given up")
    func unansweredPingTimesOut() async throws {
        let server = try await ScriptedIRCServer(reply: Script(.init(answerPings: false)).reply)
        let clock = ManualClock()
        let (adapter, running) = try await Self.connected(port: server.port, clock: clock, sink: CollectingSink())
        let sending = Task { try await adapter.send(OutgoingMessage(target: "#test", text: "hello")) }
        try await waitUntil("the server read the PING") { server.lines.contains { $0.hasPrefix("PING ") } }
        // The confirmation's deadline is ping_timeout (60 s) after the PING; the idle probe's would be at 120 s.
        let deadline = clock.nowMillis() + 60_000
        try await waitUntil("the confirmation waits on the clock until then") { clock.nextDeadline == deadline }
        clock.advance(seconds: 60)
        let error = await #expect(throws: AdapterError.self) { _ = try await sending.value }
        #expect(error?.errorClass == .network && error?.scope == .connection && error?.code == "ping_timeout", "\(String(describing: error))")
        let ended = await #expect(throws: AdapterError.self) { try await running.value }
        #expect(ended?.code == "ping_timeout", "the run ends too, so supervision reconnects")
        await server.close()
    }

    @Test("the server reads the PRIVMSG and closes without a PONG → send throws network, connection scope")
    func closedBeforePong() async throws {
        let server = try await ScriptedIRCServer(reply: Script(.init(dropPrivmsgOn: [1])).reply)
        let (adapter, running) = try await Self.connected(port: server.port, clock: ManualClock(), sink: CollectingSink())
        let error = await #expect(throws: AdapterError.self) {
            _ = try await adapter.send(OutgoingMessage(target: "#test", text: "lost?"))
        }
        #expect(error?.errorClass == .network && error?.scope == .connection, "\(String(describing: error))")
        #expect(server.lines.contains("PRIVMSG #test :lost?"))
        await #expect(throws: AdapterError.self) { try await running.value }
        await #expect(throws: AdapterError.self) { _ = try await adapter.send(OutgoingMessage(target: "#test", text: "later")) }
        await server.close()
    }

    @Test("through the outbox: the link drops after the PRIVMSG, before the PONG → queued again (not sent, not failed), re-sent after the reconnect")
    func outboxResendsAfterReconnect() async throws {
        let server = try await ScriptedIRCServer(reply: Script(.init(dropPrivmsgOn: [1])).reply)
        let g = try await IRCFailureScenarioTests.harness(port: server.port)
        try await g.waitFor("chat", .connected)
        try await g.settle()

        let entry = try await g.runner.router.submit(platform: "chat", target: "#test", text: "at least once")
        try await g.waitForFailure("chat")
        try await g.waitUntil("the entry is queued again") {
            let now = try await g.store.outbox().first { $0.id == entry.id }
            return now?.state == .queued && now?.attempts == 1
        }
        let requeued = try #require(try await g.store.outbox().first { $0.id == entry.id })
        #expect(requeued.error?.hasPrefix("waiting for the connection: network") == true, "\(requeued.error ?? "-")")
        #expect(server.lines.filter { $0 == "PRIVMSG #test :at least once" }.count == 1, "written once, then the link dropped")

        g.clock.advance(seconds: 30)  // the reconnect
        try await g.waitFor("chat", .connected)
        try await g.waitUntil("the entry is sent") {
            try await g.store.outbox().first { $0.id == entry.id }?.state == .sent
        }
        let lines = server.lines
        let secondConnection = try #require(lines.lastIndex { $0.hasPrefix("NICK ") })
        let again = try #require(lines[secondConnection...].firstIndex(of: "PRIVMSG #test :at least once"), "re-sent after the reconnect")
        #expect(lines[again...].contains { $0.hasPrefix("PING :gatewayd-") || $0.hasPrefix("PING gatewayd-") }, "and confirmed")
        #expect(try await g.store.outbox().first { $0.id == entry.id }?.attempts == 2)
        try await g.stop()
        await server.close()
    }
}
