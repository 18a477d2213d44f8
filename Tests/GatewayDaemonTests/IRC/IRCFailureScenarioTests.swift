import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayIRC
@testable import GatewayDaemon
@testable import GatewayRuntime

/// Failure rows end to end through the whole gateway: what the row's class makes supervision do.
@Suite("IRC failures end to end", .serialized)
struct IRCFailureScenarioTests {
    static func harness(port: Int, extra: String = "") async throws -> Harness {
        try await Harness("""
            reconnect: { base: 30s, jitter: 0 }
            when_all_failed: stay
            platforms:
              chat: { type: irc, server: 127.0.0.1, port: \(port), nick: gwbot, channels: ["#test"]\(extra) }
            """)
    }

    @Test("ERROR Throttled → rate_limited: not_before is at least 60 s away, and nothing is tried before it")
    func throttled() async throws {
        let server = try await ScriptedIRCServer { line in
            line.hasPrefix("USER") ? (["ERROR :Closing Link: 127.0.0.1 (Throttled: Reconnecting too fast) -Email admin@example.org"], true) : ([], false)
        }
        let g = try await Self.harness(port: server.port)
        try await g.waitForFailure("chat")
        let row = try await g.row("chat")
        #expect(row.lastErrorClass == .rateLimited && row.lastErrorCode == "throttled", "\(row.lastError ?? "-")")
        #expect(row.notBefore == g.t0 + 60_000 && (row.nextRetryAt ?? 0) >= g.t0 + 60_000)
        g.clock.advance(seconds: 59)
        try await g.settle()
        #expect(try await g.row("chat").attempts == 1)
        #expect(server.lines.filter { $0.hasPrefix("NICK") }.count == 1, "one connection only")
        try await g.stop()
        await server.close()
    }

    @Test("465 banned → needs_attention")
    func banned() async throws {
        let server = try await ScriptedIRCServer { line in
            line.hasPrefix("USER") ? ([":srv 465 gwbot :You are banned from this server- spam", "ERROR :Closing Link: 127.0.0.1 (K-Lined)"], true) : ([], false)
        }
        let g = try await Self.harness(port: server.port)
        try await g.waitFor("chat", .needsAttention)
        let row = try await g.row("chat")
        #expect(row.lastErrorClass == .auth && row.lastErrorCode == "465")
        try await g.stop()
        await server.close()
    }

    @Test("every nick in use (three raw clients on a real ngircd) → server class, backing_off",
          .enabled(if: Ngircd.isInstalled, "ngircd is not installed"))
    func nicksExhausted() async throws {
        let server = try await Ngircd()
        var holders: [RawIRCClient] = []
        for nick in ["gwbot", "gwbot_", "gwbot__"] { holders.append(try await RawIRCClient.connect(port: server.port, nick: nick)) }
        let g = try await Self.harness(port: server.port)
        try await g.waitForFailure("chat")
        let row = try await g.row("chat")
        #expect(row.lastErrorClass == .server && row.lastErrorCode == "nick_in_use", "\(row.lastError ?? "-")")
        try await g.stop()
        for holder in holders { await holder.close() }
    }

    @Test("server PINGs during registration are answered at once, before 001")
    func pingDuringRegistration() async throws {
        let server = try await ScriptedIRCServer { line in
            switch line {
            case let l where l.hasPrefix("USER"): return (["PING :reg-check-1"], false)
            case "PONG reg-check-1", "PONG :reg-check-1":
                return ([":srv 001 gwbot :Welcome", ":srv 376 gwbot :End of MOTD"], false)
            default: return ([], false)
            }
        }
        let g = try await Self.harness(port: server.port)
        try await g.waitFor("chat", .connected)
        // The JOIN follows the welcome; the server reads it a moment after the row says connected.
        try await g.waitUntil("the server reads JOIN #test") { server.lines.contains("JOIN #test") }
        try await g.stop()
        await server.close()
    }
}
