import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayTelegram
@testable import GatewayDaemon
@testable import GatewayRuntime

/// The bot token is in every URL. Whatever fails — and even when the server echoes the URL back — it must reach no
/// log line, no error text and no byte of the database.
@Suite("Telegram secrets")
struct TelegramSecretTests {
    @Test("through 502, invalid JSON, refused and 401 (each echoing the token), the token leaks nowhere")
    func tokenLeaksNowhere() async throws {
        let capture = LogCapture()
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        let echo = "/bot\(telegramTestToken)/getMe"
        await server.state.inject(.error(status: 502, description: "Bad Gateway: upstream \(echo) failed"), on: "getMe")
        await server.state.inject(.invalidJSON("<html>no route for POST \(echo)</html>"), on: "getMe")
        await server.state.inject(.error(status: 401, description: "Unauthorized: token \(telegramTestToken) revoked"), on: "getMe")
        let g = try await Harness(telegramYAML(server), environment: telegramEnvironment, logger: capture.logger())
        var errorTexts: [String] = []

        try await g.settle()
        #expect(try await g.row("tg").lastErrorCode == "502")
        g.clock.advance(seconds: 30)
        try await g.waitUntil("the invalid JSON is recorded") { try await g.row("tg").lastErrorCode == "invalid_json" }
        errorTexts.append(try await g.row("tg").lastError ?? "")
        await server.stop()
        g.clock.advance(seconds: 60)
        try await g.waitUntil("the refused connection is recorded") { try await g.row("tg").lastErrorClass == .network }
        try await server.start()
        g.clock.advance(seconds: 120)
        try await g.waitFor("tg", .needsAttention)
        let row = try await g.row("tg")
        #expect(row.lastErrorCode == "401")
        #expect(row.lastError?.contains("<redacted>") == true, "the echoed token reached the store redacted")
        errorTexts.append(row.lastError ?? "")
        errorTexts += try await g.store.events(platform: "tg", limit: 1_000).compactMap(\.detail)
        try await g.stop()
        await server.stop()

        #expect(capture.text.contains("connect attempt failed"), "the logs were captured")
        for secret in [telegramTestToken, telegramTestSecretHalf] {
            #expect(!capture.text.contains(secret), "a log line holds the token")
            #expect(!errorTexts.contains { $0.contains(secret) }, "an error text holds the token")
            #expect(try !databaseFilesContain(secret, path: g.path), "the database holds the token")
        }
    }

    @Test("an adapter's own error texts are redacted before supervision sees them")
    func adapterErrorsRedacted() async throws {
        let server = try await TelegramTestServer.start(token: telegramTestToken)
        await server.state.inject(.error(status: 401, description: "Unauthorized: /bot\(telegramTestToken)/getMe"), on: "getMe")
        await server.state.inject(.invalidJSON("oops \(telegramTestToken) oops"), on: "getMe")
        let context = AdapterContext(platform: "tg", store: nil, clock: ManualClock(), logger: LogCapture().logger(), redactor: .none)
        let settings = try TelegramSettings(PlatformConfig(
            name: "tg", type: .telegram, options: ["api_base": .string(server.apiBase)],
            secrets: ["token": Secret(telegramTestToken)]))
        for expectedCode in ["401", "invalid_json"] {
            let adapter = TelegramAdapter(settings: settings, context: context)
            do {
                try await adapter.connect()
                Issue.record("connect should fail")
            } catch let error as AdapterError {
                #expect(error.code == expectedCode)
                #expect(!error.description.contains(telegramTestSecretHalf) && error.description.contains("<redacted>"))
            }
        }
        await server.stop()
    }
}
