import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayTelegram
@testable import GatewayDaemon
@testable import GatewayRuntime

/// The real adapter against the local Bot API server, through a whole gateway: each fault lands in the store as
/// PROTOCOLS.md's table says.
@Suite("Telegram connection")
struct TelegramConnectionTests {
    @Test("connects: getMe, then a held long poll; the row is connected")
    func connects() async throws {
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        let g = try await Harness(telegramYAML(server), environment: telegramEnvironment)
        try await g.waitFor("tg", .connected)
        try await server.waitForHeldPoll()
        #expect(await server.state.calls["getMe"] == 1)
        let poll = try #require(await server.state.polls.first)
        #expect(poll.offset == nil && poll.limit == 100 && poll.timeout == 1)
        let row = try await g.row("tg")
        #expect(row.attempts == 1 && row.lastErrorClass == nil)
        try await g.stop()
        await server.stop()
    }

    struct ConnectFault: Sendable, CustomTestStringConvertible {
        let fault: TelegramServerFault
        let state: PlatformState
        let errorClass: ErrorClass
        let code: String
        var testDescription: String { "\(code) → \(state.rawValue) \(errorClass.rawValue)" }
    }

    @Test("a getMe failure gives the right row", arguments: [
        ConnectFault(fault: .unauthorized, state: .needsAttention, errorClass: .auth, code: "401"),
        ConnectFault(fault: .notFound, state: .needsAttention, errorClass: .auth, code: "404"),
        ConnectFault(fault: .misdirected, state: .needsAttention, errorClass: .auth, code: "421"),
        ConnectFault(fault: .loggedOut, state: .needsAttention, errorClass: .auth, code: "400"),
        ConnectFault(fault: .badGateway, state: .backingOff, errorClass: .server, code: "502"),
        ConnectFault(fault: .garbage, state: .backingOff, errorClass: .server, code: "invalid_json"),
    ])
    func connectFault(_ c: ConnectFault) async throws {
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        await server.state.inject(c.fault, on: "getMe")
        let g = try await Harness(telegramYAML(server), environment: telegramEnvironment)
        try await g.settle()
        let row = try await g.row("tg")
        #expect(row.state == c.state && row.lastErrorClass == c.errorClass && row.lastErrorCode == c.code)
        if c.state == .backingOff {
            #expect(row.nextRetryAt == g.t0 + 30_000, "the first backoff step")
        } else {
            #expect(row.nextRetryAt == nil)
        }
        #expect(await server.state.polls.isEmpty, "no getUpdates without a successful getMe")
        try await g.stop()
        await server.stop()
    }

    @Test("429 on getMe: rateLimited, and no attempt before retry_after")
    func rateLimitedConnect() async throws {
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        await server.state.inject(.tooManyRequests(retryAfter: 120), on: "getMe")
        let g = try await Harness(telegramYAML(server), environment: telegramEnvironment)
        try await g.settle()
        let row = try await g.row("tg")
        #expect(row.state == .backingOff && row.lastErrorClass == .rateLimited && row.lastErrorCode == "429")
        #expect(row.notBefore == g.t0 + 120_000 && (row.nextRetryAt ?? 0) >= g.t0 + 120_000)
        g.clock.advance(seconds: 119)
        try await g.settle()
        #expect(await server.state.calls["getMe"] == 1, "not retried before retry_after")
        g.clock.advance(seconds: 1)
        try await g.waitFor("tg", .connected)
        try await g.stop()
        await server.stop()
    }

    struct PollFault: Sendable, CustomTestStringConvertible {
        let fault: TelegramServerFault
        let state: PlatformState
        let errorClass: ErrorClass
        var testDescription: String { "getUpdates \(fault) → \(state.rawValue) \(errorClass.rawValue)" }
    }

    @Test("a getUpdates failure after connecting gives the right row", arguments: [
        PollFault(fault: .otherPoller, state: .needsAttention, errorClass: .conflict),
        PollFault(fault: .webhookActive, state: .needsAttention, errorClass: .auth),
        PollFault(fault: .unauthorized, state: .needsAttention, errorClass: .auth),
        PollFault(fault: .badGateway, state: .backingOff, errorClass: .server),
        PollFault(fault: .garbage, state: .backingOff, errorClass: .server),
    ])
    func pollFault(_ c: PollFault) async throws {
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        // Every poll fails (sticky), so the row stays where the first drop put it.
        await server.state.inject(c.fault, on: "getUpdates", times: nil)
        let g = try await Harness(telegramYAML(server), environment: telegramEnvironment)
        try await g.waitUntil("tg settles in \(c.state.rawValue)") {
            let row = try await g.store.platform("tg")
            return row?.state == c.state && row?.lastErrorClass == c.errorClass
        }
        let row = try await g.row("tg")
        if c.state == .backingOff {
            #expect(row.nextRetryAt == g.clock.nowMillis() + 30_000)
        }
        let kinds = try await g.kinds("tg")
        #expect(kinds.contains(.connected), "it was connected, then dropped")
        #expect(kinds.contains(c.state == .needsAttention ? .needsAttention : .disconnected))
        try await g.stop()
        await server.stop()
    }

    @Test("429 on getUpdates: backing off at least retry_after")
    func rateLimitedPoll() async throws {
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        await server.state.inject(.tooManyRequests(retryAfter: 300), on: "getUpdates")
        let g = try await Harness(telegramYAML(server), environment: telegramEnvironment)
        try await g.waitUntil("tg is rate limited") { try await g.store.platform("tg")?.lastErrorClass == .rateLimited }
        let row = try await g.row("tg")
        #expect(row.state == .backingOff && row.notBefore == g.t0 + 300_000 && (row.nextRetryAt ?? 0) >= g.t0 + 300_000)
        g.clock.advance(seconds: 300)
        try await g.waitFor("tg", .connected)
        try await g.stop()
        await server.stop()
    }

    @Test("connection refused: backing off (network); the server comes back and the next retry connects")
    func refusedThenBack() async throws {
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        await server.stop()
        let g = try await Harness(telegramYAML(server), environment: telegramEnvironment)
        try await g.settle()
        let row = try await g.row("tg")
        #expect(row.state == .backingOff && row.lastErrorClass == .network && row.lastErrorCode == "refused")
        #expect(row.nextRetryAt == g.t0 + 30_000)
        try await server.start()
        try await g.settle()
        #expect(try await g.row("tg").state == .backingOff, "no attempt before the schedule says so")
        g.clock.advance(seconds: 30)
        try await g.waitFor("tg", .connected)
        #expect(await server.state.calls["getMe"] == 1)
        try await g.stop()
        await server.stop()
    }

    @Test("a long poll that never answers: polled again with the same offset, then the watchdog drops it")
    func neverAnsweringPoll() async throws {
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        await server.state.inject(.hang, on: "getUpdates", times: 2)
        // Real time (the adapter watches the network): the read deadline (1s poll + 4s margin) re-polls once; the
        // watchdog (2 × 5s from the connect) then ends the connection. The re-poll must reach the server before the
        // watchdog fires; the 5 s between them hold on a loaded machine (a 1 s margin did not: a CI run missed it).
        let g = try await Harness(telegramYAML(server, requestTimeout: "4s"), environment: telegramEnvironment)
        try await g.waitFor("tg", .connected)
        try await g.waitUntil("the watchdog fired", timeout: .seconds(60)) {
            try await g.store.events(platform: "tg").contains { $0.kind == .disconnected && $0.errorClass == .network }
        }
        let polls = await server.state.polls
        #expect(polls.count >= 2 && polls[0].offset == polls[1].offset, "the overrun poll was sent again, same offset")
        let row = try await g.row("tg")
        #expect(row.state == .backingOff && row.lastErrorCode == "watchdog")
        #expect(row.lastError?.contains("no poll completed") == true)
        g.clock.advance(seconds: 30)
        try await g.waitFor("tg", .connected)  // the hangs are used up: polls answer again
        try await g.stop()
        await server.stop()
    }

    @Test("a connection dropped mid-poll: network, reconnects at the next retry")
    func droppedMidPoll() async throws {
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        let g = try await Harness(telegramYAML(server), environment: telegramEnvironment)
        try await g.waitFor("tg", .connected)
        try await server.waitForHeldPoll()
        await server.state.dropHeldRequests()
        try await g.waitUntil("the drop is recorded") {
            try await g.store.events(platform: "tg").contains { $0.kind == .disconnected && $0.errorClass == .network }
        }
        try await g.settle()
        let row = try await g.row("tg")
        #expect(row.state == .backingOff && row.lastErrorClass == .network && row.lastErrorCode == "closed")
        g.clock.advance(seconds: 30)
        try await g.waitFor("tg", .connected)
        #expect(await server.state.calls["getMe"] == 2)
        try await g.stop()
        await server.stop()
    }
}
