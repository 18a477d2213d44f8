import Foundation

/// The local Telegram Bot API server (``TelegramTestServer``) for the conformance suite: chat 42, user 7.
final class TelegramConformanceServer: ConformanceServer {
    let server: TelegramTestServer
    static let badToken = "987654:conformance-wrong-token"

    private init(server: TelegramTestServer) { self.server = server }

    static func make() async throws -> TelegramConformanceServer {
        TelegramConformanceServer(server: try await TelegramTestServer.start(token: telegramTestToken))
    }

    func platformYAML(name: String, validCredential: Bool) -> String {
        let token = validCredential ? "CONFORMANCE_TG_TOKEN" : "CONFORMANCE_TG_BAD_TOKEN"
        return #"{ type: telegram, token: ${\#(token)}, api_base: "\#(server.apiBase)", poll_timeout: 1s, request_timeout: 10s }"#
    }

    var environment: [String: String] { ["CONFORMANCE_TG_TOKEN": telegramTestToken, "CONFORMANCE_TG_BAD_TOKEN": Self.badToken] }
    var secrets: [String] { [telegramTestToken, Self.badToken] }
    var chat: String { "42" }
    var keepsHistory: Bool { true }

    func logins() async -> Int { await server.state.calls["getMe"] ?? 0 }
    func stop() async { await server.stop() }
    func start() async throws { try await server.start() }
    func post(_ texts: [String]) async throws { _ = await server.state.enqueueMessages(texts, chat: 42) }
    func delivered() async throws -> [String] { await server.state.sent.filter { $0.chat == chat }.map(\.text) }
    func shutdown() async { await server.stop() }
}
