import Foundation
import Testing

@testable import GatewayCore
@testable import GatewaySlack

/// Every row of ``SlackFailures``, through the local Slack's real answers where a row is an answer.
@Suite("Slack: the failure table")
struct SlackFailureTableTests {
    /// `{"ok": false, "error": code}` from chat.postMessage → (class, per message).
    static let sendRows: [(String, ErrorClass, Bool)] = [
        ("invalid_auth", .auth, false), ("not_authed", .auth, false), ("token_revoked", .auth, false),
        ("account_inactive", .auth, false), ("channel_not_found", .auth, true), ("not_in_channel", .auth, true),
        ("is_archived", .auth, true), ("msg_too_long", .auth, true), ("ratelimited", .rateLimited, false),
        ("internal_error", .server, false),
    ]

    @Test("chat.postMessage error codes map row by row", arguments: sendRows)
    func sendErrors(_ code: String, _ errorClass: ErrorClass, _ perMessage: Bool) async throws {
        let f = try await SlackFixture.make()
        defer { Task { await f.shutdown() } }
        await f.server.state.update { $0.channelErrors["C0GENERAL"] = code }
        let adapter = f.adapter()
        let error = try await #require(throws: AdapterError.self) {
            try await adapter.send(OutgoingMessage(target: "C0GENERAL", text: "hi"))
        }
        #expect(error.errorClass == errorClass && error.isPerMessage == perMessage && error.classified, "\(error)")
        #expect(error.code == code)
        if errorClass == .rateLimited { #expect(error.retryAfterMillis == 1_000, "no Retry-After: one second") }
        // Another channel is unaffected by a per-message failure.
        if perMessage { #expect(try await adapter.send(OutgoingMessage(target: "C0RANDOM1", text: "hi")).ids.count == 1) }
    }

    @Test("a code the table does not know is server, unclassified, and keeps only a clean code")
    func unknownCode() async throws {
        let f = try await SlackFixture.make()
        defer { Task { await f.shutdown() } }
        await f.server.state.update { $0.channelErrors["C0GENERAL"] = "brand_new_error" }
        let error = try await #require(throws: AdapterError.self) {
            try await f.adapter().send(OutgoingMessage(target: "C0GENERAL", text: "hi"))
        }
        #expect(error.errorClass == .server && !error.classified && error.code == "brand_new_error" && !error.isPerMessage)
        #expect(SlackFailures.webAPI("a\"b c").code == "abc")
    }

    @Test("HTTP 429 is rate-limited for its Retry-After; the channel is then held back that long")
    func tooManyRequests() async throws {
        let f = try await SlackFixture.make()
        defer { Task { await f.shutdown() } }
        await f.server.state.update { $0.tooManyRequests["chat.postMessage"] = (1, 7) }
        let adapter = f.adapter()
        let error = try await #require(throws: AdapterError.self) {
            try await adapter.send(OutgoingMessage(target: "C0GENERAL", text: "hi"))
        }
        #expect(error.errorClass == .rateLimited && error.code == "429" && error.retryAfterMillis == 7_000)
        let next = Task { try await adapter.send(OutgoingMessage(target: "C0GENERAL", text: "after")) }
        try await waitUntil("the next send waits on the clock") { f.clock.sleeperCount >= 1 }
        #expect(await f.server.state.posts.isEmpty)
        f.clock.advance(millis: 7_000)
        _ = try await next.value
        #expect(await f.server.state.posts.map(\.text) == ["after"])
    }

    @Test("auth.test: invalid_auth fails the connect as auth before any socket; 5xx is server", arguments: [
        ("invalid_auth", nil, ErrorClass.auth), ("token_revoked", nil, .auth), (nil, 503, .server), (nil, 500, .server),
    ] as [(String?, Int?, ErrorClass)])
    func connectErrors(_ code: String?, _ status: Int?, _ errorClass: ErrorClass) async throws {
        let f = try await SlackFixture.make()
        defer { Task { await f.shutdown() } }
        await f.server.state.update { state in
            if let code { state.apiErrors["auth.test"] = code }
            if let status { state.httpStatus["auth.test"] = status }
        }
        let error = try await #require(throws: AdapterError.self) { try await f.adapter().connect() }
        #expect(error.errorClass == errorClass && error.code == (code ?? status.map(String.init)), "\(error)")
        #expect(await f.server.state.logins == 0, "no apps.connections.open after a failed credential check")
    }

    @Test("a wrong bot token is auth (the server's own invalid_auth); a wrong app token fails apps.connections.open as auth")
    func wrongTokens() async throws {
        let f = try await SlackFixture.make()
        defer { Task { await f.shutdown() } }
        let bot = try await #require(throws: AdapterError.self) { try await f.adapter(f.settings(botToken: "xoxb-wrong-token")).connect() }
        #expect(bot.errorClass == .auth && bot.code == "invalid_auth")
        let app = try await #require(throws: AdapterError.self) { try await f.adapter(f.settings(appToken: "xapp-wrong-token")).connect() }
        #expect(app.errorClass == .auth && app.code == "invalid_auth")
        #expect(await f.server.state.logins == 1)
    }

    @Test("apps.connections.open 429 is rate-limited with its Retry-After")
    func connectionsOpenRateLimited() async throws {
        let f = try await SlackFixture.make()
        defer { Task { await f.shutdown() } }
        await f.server.state.update { $0.tooManyRequests["apps.connections.open"] = (1, 30) }
        let error = try await #require(throws: AdapterError.self) { try await f.adapter().connect() }
        #expect(error.errorClass == .rateLimited && error.retryAfterMillis == 30_000)
    }

    @Test("a refused port is network/refused with host:port, at once")
    func refused() async throws {
        let f = try await SlackFixture.make()
        defer { Task { await f.shutdown() } }
        let port = try closedLoopbackPort()
        let error = try await #require(throws: AdapterError.self) {
            try await f.adapter(f.settings(apiBase: "http://127.0.0.1:\(port)/api")).connect()
        }
        #expect(error.errorClass == .network && error.code == "refused" && error.message.contains("127.0.0.1:\(port)"), "\(error)")
    }

    @Test("the table's Socket Mode and HTTP rows")
    func staticRows() {
        #expect(SlackFailures.linkDisabled.errorClass == .auth)
        #expect(SlackFailures.tooManyWebsockets.error().retryAfterMillis == 60_000)
        #expect(SlackFailures.http(status: 502).errorClass == .server && SlackFailures.http(status: 502).known)
        #expect(SlackFailures.http(status: 401).errorClass == .auth)
        #expect(!SlackFailures.http(status: 418).known && SlackFailures.http(status: 418).errorClass == .server)
        #expect(SlackFailures.socketClosed.errorClass == .network && SlackFailures.noHello.errorClass == .network)
        #expect(SlackWebAPI.retryAfterMillis("2") == 2_000 && SlackWebAPI.retryAfterMillis(nil) == 1_000 && SlackWebAPI.retryAfterMillis("x") == 1_000)
        for (code, row) in SlackFailures.webAPIErrors { #expect(row.known && SlackFailures.webAPI(code) == row) }
    }
}
