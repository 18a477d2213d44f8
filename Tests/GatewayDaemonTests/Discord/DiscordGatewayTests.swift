import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayDiscord
@testable import GatewayDaemon
@testable import GatewayRuntime

/// The Discord adapter inside the whole gateway (Harness, manual clock) against the local test gateway.
@Suite("Discord gateway end to end", .serialized)
struct DiscordGatewayTests {
    @Test("connects with one IDENTIFY; a 4000 close backs off (network) and the retry RESUMEs the persisted session")
    func closeFourThousandResumes() async throws {
        let f = try await DiscordFixture()
        try await f.g.waitFor("dc", .connected)
        try await f.serverSees("one IDENTIFY") { $0.identifies == 1 && $0.resumes.isEmpty }
        #expect(try await f.cursor("session_id") == "session-1")
        #expect(try await f.cursor("resume_gateway_url") == "\(f.server.state.baseURL)/resume")
        #expect(await f.state.socketPaths == ["/?v=10&encoding=json"])
        try await f.g.settle()

        try await f.state.closeLive(code: 4000)
        try await f.g.waitFor("dc", .backingOff)
        let row = try await f.row()
        #expect(row.lastErrorClass == .network && row.lastErrorCode == "4000")
        #expect(row.nextRetryAt == f.g.clock.nowMillis() + 30_000, "attempt 1 failed: the base delay")
        try await f.g.settle()
        #expect(await f.state.resumes.isEmpty, "nothing before the retry is due")

        try await f.advanceToRetry()
        try await f.g.waitFor("dc", .connected)
        try await f.serverSees("one RESUME of session-1") { $0.resumes.map(\.sessionID) == ["session-1"] }
        #expect(await f.state.identifies == 1, "no second IDENTIFY")
        #expect(await f.state.socketPaths.last == "/resume/?v=10&encoding=json", "RESUME went to resume_gateway_url")
        try await f.finish()
    }

    @Test("a RESUMED whose s is not above the last seq still completes the resume (never dropped as a replay)")
    func resumedWithOldSeqCompletes() async throws {
        let f = try await DiscordFixture { $0.resumedReusesSeq = true }
        try await f.g.waitFor("dc", .connected)
        try await f.g.settle()
        try await f.state.closeLive(code: 4000)
        try await f.g.waitFor("dc", .backingOff)
        try await f.g.settle()
        try await f.advanceToRetry()
        try await f.serverSees("one RESUME of session-1") { $0.resumes.map(\.sessionID) == ["session-1"] }
        try await f.g.waitFor("dc", .connected)
        let kinds = try await f.g.kinds("dc")
        #expect(!kinds.contains(.failed), "the RESUME completed; no attempt failed (timed out): \(kinds)")
        #expect(await f.state.identifies == 1, "no second IDENTIFY")
        try await f.finish()
    }

    @Test("a close with 4004 or 4014 after IDENTIFY needs attention and is not retried", arguments: [4004, 4014])
    func authCloseNeedsAttention(code: Int) async throws {
        let f = try await DiscordFixture { $0.identifyCloseCode = code }
        try await f.g.waitFor("dc", .needsAttention)
        let row = try await f.row()
        #expect(row.lastErrorClass == .auth && row.lastErrorCode == "\(code)")
        try await f.g.settle()
        f.g.clock.advance(seconds: 3_600)
        try await f.g.settle()
        #expect(await f.state.identifies == 1, "no further attempts")
        #expect(try await f.row().state == .needsAttention)
        #expect(try await f.cursor("session_id") == "", "no session to resume")
        try await f.finish()
    }

    @Test("a token Discord rejects over REST (401) needs attention; the gateway is never opened")
    func restUnauthorized() async throws {
        let f = try await DiscordFixture()
        try await f.g.waitFor("dc", .connected)
        try await f.finish()

        let wrong = try await DiscordFixture { $0.validToken = "some.other.token" }
        try await wrong.g.waitFor("dc", .needsAttention)
        let row = try await wrong.row()
        #expect(row.lastErrorClass == .auth && row.lastErrorCode == "401")
        #expect(await wrong.state.connectionsTotal == 0)
        try await wrong.finish()
    }

    @Test("missing heartbeat ACKs: the zombie is closed with a non-1000 code and the next attempt RESUMEs")
    func zombieResumes() async throws {
        let f = try await DiscordFixture { $0.heartbeatIntervalMillis = 45_000 }
        try await f.g.waitFor("dc", .connected)
        try await f.g.settle()
        await f.state.update { $0.acknowledgeHeartbeats = false }
        f.g.clock.advance(millis: 45_000)  // the first heartbeat (due within one interval of HELLO)
        try await f.serverSees("the first heartbeat") { $0.heartbeats.count == 1 }
        #expect(try await f.row().state == .connected)
        f.g.clock.advance(millis: 45_000)  // the next one is due: the first was never acknowledged
        try await f.g.waitFor("dc", .backingOff)
        let row = try await f.row()
        #expect(row.lastErrorClass == .network && row.lastErrorCode == "zombie")
        try await f.g.waitUntil("the server saw our close frame") { !f.state.clientCloseCodes.all.isEmpty }
        #expect(f.state.clientCloseCodes.all == [4000], "closed with a resumable code, never 1000/1001")
        #expect(await f.state.heartbeats.count == 1, "no heartbeat after the zombie was detected")

        await f.state.update { $0.acknowledgeHeartbeats = true }
        try await f.advanceToRetry()
        try await f.g.waitFor("dc", .connected)
        try await f.serverSees("a RESUME") { $0.resumes.count == 1 }
        #expect(await f.state.identifies == 1)
        try await f.finish()
    }

    @Test("acknowledged heartbeats keep the connection up; each carries the last seq")
    func heartbeatsCarrySeq() async throws {
        let f = try await DiscordFixture { $0.heartbeatIntervalMillis = 45_000 }
        try await f.g.waitFor("dc", .connected)
        try await f.g.settle()
        try await f.state.dispatchMessage(content: "one")  // seq 3, after READY (1) and GUILD_CREATE (2)
        try await f.g.waitUntil("the message is handed on") { f.sink.messages.count == 1 }
        f.g.clock.advance(millis: 45_000)
        try await f.serverSees("heartbeat 1 acknowledged") { $0.acksSent == 1 }
        try await f.state.dispatchMessage(content: "two")  // written after the ACK: handed on means the ACK was read
        try await f.g.waitUntil("the second message is handed on") { f.sink.messages.count == 2 }
        f.g.clock.advance(millis: 45_000)
        try await f.serverSees("heartbeat 2 acknowledged") { $0.acksSent == 2 }
        #expect(await f.state.heartbeats == [3, 4])
        try await f.g.settle()
        #expect(try await f.row().state == .connected, "not a zombie")
        #expect(f.state.clientCloseCodes.all.isEmpty)
        try await f.finish()
    }

    @Test("after a daemon restart the new daemon RESUMEs the persisted session instead of identifying")
    func restartResumes() async throws {
        let f = try await DiscordFixture()
        try await f.g.waitFor("dc", .connected)
        try await f.state.dispatchMessage(content: "before the restart")
        try await f.g.waitUntil("the message is handed on") { f.sink.messages.count == 1 }
        #expect(try await f.cursor("seq") == "3")

        try await f.g.stop()
        try await f.g.waitUntil("the server saw our close frame") { !f.state.clientCloseCodes.all.isEmpty }
        #expect(f.state.clientCloseCodes.all == [4000], "shutdown keeps the session resumable")
        try await f.state.dispatchMessage(content: "while the daemon was down")

        try await f.start()
        try await f.g.waitFor("dc", .connected)
        try await f.serverSees("a RESUME") { $0.resumes.count == 1 }
        let resume = try #require(await f.state.resumes.first)
        #expect(resume.sessionID == "session-1" && resume.seq == 3)
        #expect(await f.state.identifies == 1, "no second IDENTIFY")
        try await f.g.waitUntil("the replayed message is handed on") { f.sink.messages.count == 2 }
        #expect(f.sink.messages.map(\.text) == ["before the restart", "while the daemon was down"])
        try await f.finish()
    }

    @Test("op 9 with d=false clears the session: the next connect IDENTIFYs")
    func invalidSessionIdentifies() async throws {
        let f = try await DiscordFixture()
        try await f.g.waitFor("dc", .connected)
        try await f.g.settle()
        try await f.state.sendRaw(GatewayFrame(.invalidSession, d: .bool(false)))
        try await f.g.waitFor("dc", .backingOff)
        let row = try await f.row()
        #expect(row.lastErrorClass == .server && row.lastErrorCode == "invalid_session")
        #expect(try await f.cursor("session_id") == "")
        try await f.advanceToRetry()
        try await f.g.waitFor("dc", .connected)
        try await f.serverSees("a second IDENTIFY") { $0.identifies == 2 }
        #expect(await f.state.resumes.isEmpty)
        #expect(try await f.cursor("session_id") == "session-2")
        try await f.finish()
    }

    @Test("op 9 with d=true keeps the session: the next connect RESUMEs, at once (Discord asked)")
    func invalidSessionResumable() async throws {
        let f = try await DiscordFixture()
        try await f.g.waitFor("dc", .connected)
        try await f.g.settle()
        try await f.state.sendRaw(GatewayFrame(.invalidSession, d: .bool(true)))
        try await f.g.waitUntil("the drop is recorded") {
            try await f.g.store.events(platform: "dc").contains { $0.kind == .disconnected }
        }
        try await f.g.settle()
        // Due at once: at most the jitter away, never the 30 s backoff.
        let due = try await f.row().nextRetryAt ?? f.g.clock.nowMillis()
        #expect(due - f.g.clock.nowMillis() <= 6_000)
        f.g.clock.set(max(due, f.g.clock.nowMillis()))
        try await f.serverSees("a RESUME") { $0.resumes.count == 1 && $0.identifies == 1 }
        try await f.g.waitFor("dc", .connected)
        #expect(try await f.row().lastErrorCode == "invalid_session_resumable")
        try await f.finish()
    }

    @Test("a session that expired while we were away: RESUME meets op 9 d=false, then the retry IDENTIFYs")
    func expiredSessionOnResume() async throws {
        let f = try await DiscordFixture()
        try await f.g.waitFor("dc", .connected)
        try await f.g.settle()
        try await f.state.closeLive(code: 4000)
        try await f.g.waitFor("dc", .backingOff)
        await f.state.expireSessions()
        try await f.advanceToRetry()
        try await f.serverSees("a RESUME") { $0.resumes.count == 1 }
        try await f.g.waitUntil("the attempt failed") { try await f.row().lastErrorCode == "invalid_session" }
        #expect(try await f.row().state == .backingOff)
        try await f.advanceToRetry()
        try await f.g.waitFor("dc", .connected)
        #expect(await f.state.identifies == 2)
        try await f.finish()
    }
}
