import Foundation
import GatewayStore
import Testing

/// Telegram and Discord through the built binary: an endpoint that refuses shows it in `last_error` and the retry
/// follows the backoff; targets the platform can never accept are refused by `gatewayd send` and `POST /v1/messages`.
@Suite("Black box: refused endpoints and target rules for Telegram and Discord", .serialized)
struct BlackboxTargetsTests {
    @Test("a refused port is reported as refused with host:port; a bad chat id or channel id is refused when queued")
    func refusedAndTargets() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let port = try closedLoopbackPort()
        setenv("BB_TG_TOKEN", "123:bb-telegram-token", 1)
        setenv("BB_DC_TOKEN", "bb.discord.token", 1)
        let daemon = try gw.daemon(try gw.config("""
            reconnect: { base: 30s, factor: 1, cap: 30s, jitter: 0, connect_timeout: 30s }
            when_all_failed: stay
            platforms:
              tg: { type: telegram, token: ${BB_TG_TOKEN}, api_base: "http://127.0.0.1:\(port)" }
              dc: { type: discord, token: ${BB_DC_TOKEN}, api_base: "http://127.0.0.1:\(port)/api/v10" }
            """), arguments: ["--http", "127.0.0.1:0"])
        let base = "http://127.0.0.1:\(try await daemon.httpPort())"
        let store = try Store(path: gw.db)
        for name in ["tg", "dc"] {
            try await waitUntil("\(name)'s first attempt failed", every: .milliseconds(50)) {
                try await store.platform(name).map { $0.state == .backingOff && $0.lastError != nil } == true
            }
            let row = try #require(try await store.platform(name))
            #expect(row.lastError?.contains("connection refused by 127.0.0.1:\(port)") == true, "\(row.lastError ?? "-")")
            let failed = try #require(try await store.events(platform: name, limit: 50).first { $0.kind == .failed })
            #expect(row.nextRetryAt == failed.at + 30_000, "the next attempt follows the backoff, not the connect timeout")
        }
        let db = ["--db", gw.db]
        let tg = try await gw.run(["send", "tg", "not a chat", "x"] + db)
        #expect(tg.status == 1 && tg.stderr.contains("a Telegram target is a chat id"), "\(tg.stderr)")
        let dc = try await gw.run(["send", "dc", "#general", "x"] + db)
        #expect(dc.status == 1 && dc.stderr.contains("a Discord target is a channel id"), "\(dc.stderr)")
        let post = try await http(.POST, "\(base)/v1/messages", body: #"{"platform":"dc","target":"general","text":"x"}"#)
        #expect(post.status == 400 && post.body.contains("snowflake"), "\(post.body)")
        #expect(try await store.outbox().isEmpty, "nothing queued")
        // A group id is negative: `--` ends the options (README).
        #expect(try await gw.run(["send"] + db + ["tg", "--", "-100123", "ok"]).status == 0, "a group chat id is queued")
        #expect(try await gw.run(["send", "dc", "123456789012345678", "ok"] + db).status == 0, "a snowflake is queued")
        daemon.kill(SIGTERM)
        #expect(await daemon.finished().status == 0)
    }
}
