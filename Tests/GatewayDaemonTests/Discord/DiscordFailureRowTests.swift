import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayDiscord
@testable import GatewayDaemon
@testable import GatewayRuntime

/// The failure table's rows driven through a real socket and REST server: what the row says is what supervision
/// records, and the session rule decides RESUME vs IDENTIFY on the next attempt.
@Suite("Discord failure rows end to end", .serialized)
struct DiscordFailureRowTests {
    @Test("a gateway close code mid-connection", arguments: DiscordFailureTableTests.closeRows.compactMap(\.code))
    func closeCode(_ code: Int) async throws {
        let row = DiscordFailures.close(code: code)
        let f = try await DiscordFixture()
        try await f.g.waitFor("dc", .connected)
        try await f.g.settle()
        let closedAt = f.g.clock.nowMillis()
        try await f.state.closeLive(code: code)
        try await f.g.waitUntil("the drop is recorded") { try await f.row().state != .connected }
        let record = try await f.row()
        #expect(record.lastErrorClass == row.errorClass && record.lastErrorCode == "\(code)")
        #expect(try await f.cursor("session_id") == (row.session == .keep ? "session-1" : ""))
        guard row.errorClass.isRetryable else {
            #expect(record.state == .needsAttention)
            try await f.finish()
            return
        }
        #expect(record.state == .backingOff)
        if code == 4008 { #expect(record.notBefore == closedAt + 60_000, "the gateway's rate-limit window") }
        try await f.advanceToRetry()
        try await f.g.waitFor("dc", .connected)
        if row.session == .keep {
            try await f.serverSees("a RESUME") { $0.resumes.count == 1 && $0.identifies == 1 }
        } else {
            try await f.serverSees("a new IDENTIFY") { $0.identifies == 2 && $0.resumes.isEmpty }
        }
        if row.loud {
            #expect(f.logs.text.contains("error discord rejected a payload we sent: this is a gatewayd bug"))
        }
        if !row.known {
            #expect(f.logs.text.contains("warning unrecognised discord failure; treating it as network"))
        }
        try await f.finish()
    }

    @Test("op 7 asks for a reconnect: network, session kept, and it resumes at once — stable or not")
    func reconnectRequested() async throws {
        let f = try await DiscordFixture(reconnect: "{ base: 30s, jitter: 0, stable_period: 1m }")
        try await f.g.waitFor("dc", .connected)
        try await f.g.settle()
        // Not stable yet (attempts = 1): Discord asked, so no backoff — the next attempt is due now.
        try await f.state.sendRaw(GatewayFrame(.reconnect))
        try await f.serverSees("a RESUME without the clock moving") { $0.resumes.count == 1 }
        try await f.g.waitFor("dc", .connected)
        var row = try await f.row()
        #expect(row.lastErrorClass == .network && row.lastErrorCode == "reconnect_requested")
        let disconnects = try await f.g.store.events(platform: "dc").filter { $0.kind == .disconnected }
        #expect(disconnects.count == 1 && disconnects[0].at == f.g.clock.nowMillis())
        // Stable (attempts reset after 1 min): the same.
        f.g.clock.advance(seconds: 60)
        try await f.g.waitUntil("the streak is forgiven") { try await f.row().attempts == 0 }
        try await f.g.settle()
        try await f.state.sendRaw(GatewayFrame(.reconnect))
        try await f.serverSees("a second RESUME without the clock moving") { $0.resumes.count == 2 }
        try await f.g.waitFor("dc", .connected)
        row = try await f.row()
        #expect(row.lastErrorCode == "reconnect_requested" && row.attempts == 1)
        #expect(await f.state.identifies == 1)
        try await f.finish()
    }

    @Test("session_start_limit.remaining == 0: rate-limited until reset_after, and no IDENTIFY is sent")
    func identifyBudgetExhausted() async throws {
        let f = try await DiscordFixture {
            $0.sessionStartRemaining = 0
            $0.sessionStartResetAfterMillis = 3_600_000
        }
        try await f.waitForFailure()
        let now = f.g.clock.nowMillis()
        let row = try await f.row()
        #expect(row.lastErrorClass == .rateLimited && row.lastErrorCode == "identify_budget")
        #expect(try #require(row.nextRetryAt) >= now + 3_600_000 && row.notBefore == now + 3_600_000)
        #expect(try await f.cursor("identify_remaining") == "0")
        #expect(try await f.cursor("identify_reset_at") == String(now + 3_600_000))
        #expect(await f.state.connectionsTotal == 0)
        #expect(await f.state.identifies == 0)

        await f.state.update { $0.sessionStartRemaining = 999 }
        try await f.advanceToRetry()
        try await f.g.waitFor("dc", .connected)
        #expect(await f.state.identifies == 1)
        #expect(try await f.cursor("identify_remaining") == "998", "the IDENTIFY just sent is counted")
        try await f.finish()
    }

    @Test("an empty IDENTIFY budget does not stop a RESUME (RESUME does not count)")
    func budgetDoesNotGateResume() async throws {
        let f = try await DiscordFixture()
        try await f.g.waitFor("dc", .connected)
        try await f.g.settle()
        await f.state.update { $0.sessionStartRemaining = 0 }
        try await f.state.closeLive(code: 4000)
        try await f.g.waitFor("dc", .backingOff)
        try await f.advanceToRetry()
        try await f.g.waitFor("dc", .connected)
        #expect(await f.state.resumes.count == 1)
        try await f.finish()
    }

    @Test("a REST failure while connecting", arguments: [
        ("users/@me", 429), ("users/@me", 500), ("gateway/bot", 502), ("gateway/bot", 503), ("users/@me", 524),
        ("gateway/bot", 418),
    ])
    func restFailure(path: String, status: Int) async throws {
        let f = try await DiscordFixture { $0.restStatus[path] = status }
        try await f.waitForFailure()
        let expected = DiscordFailures.rest(status: status)
        let row = try await f.row()
        #expect(row.lastErrorClass == expected.errorClass && row.lastErrorCode == "\(status)")
        if status == 429 { #expect(row.notBefore == f.g.clock.nowMillis() + 7_500, "retry_after 7.5 s") }
        #expect(await f.state.connectionsTotal == 0)
        try await f.finish()
    }

    @Test("the gateway socket cannot be opened (gateway_url to a closed port): network, retried")
    func socketRefused() async throws {
        let f = try await DiscordFixture()
        try await f.g.waitFor("dc", .connected)
        try await f.finish()

        let server = try await DiscordTestGateway(token: DiscordFixture.token)
        let g = try await Harness("""
            reconnect: { base: 30s, jitter: 0 }
            platforms:
              dc: { type: discord, token: ${DISCORD_TOKEN}, api_base: "\(server.apiBase)", gateway_url: "ws://127.0.0.1:1" }
            """, environment: DiscordFixture.environment)
        try await g.waitUntil("the attempt failed") { try await g.store.platform("dc")?.lastErrorCode != nil }
        let row = try await g.row("dc")
        #expect(row.lastErrorClass == .network && row.lastErrorCode == "socket")
        try await g.stop()
        await server.stop()
    }

    @Test("a frame that is not a gateway payload is a protocol violation (server class), session kept")
    func protocolViolation() async throws {
        let f = try await DiscordFixture()
        try await f.g.waitFor("dc", .connected)
        try await f.g.settle()
        try await f.state.sendText("this is not json")
        try await f.g.waitFor("dc", .backingOff)
        let row = try await f.row()
        #expect(row.lastErrorClass == .server && row.lastErrorCode == "protocol")
        #expect(try await f.cursor("session_id") == "session-1")
        try await f.finish()
    }
}
