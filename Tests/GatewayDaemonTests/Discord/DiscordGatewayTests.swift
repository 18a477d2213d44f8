import Foundation
import GatewayStore
import Testing

@testable import GatewayDaemon

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
        #expect(await f.state.socketPaths.last?.hasPrefix("/resume") == true, "RESUME went to resume_gateway_url")
        try await f.finish()
    }
}
