import Foundation

/// The local Slack (``SlackTestServer``) as the adapter conformance suite drives it.
///
/// `keepsHistory` is true: Slack retries an event that no connection acknowledged (the Events API retries up to
/// three times, over about five minutes, https://docs.slack.dev/apis/events-api/#retries), and the stand-in keeps
/// every unacknowledged envelope queued until a socket acknowledges it — so what users post while the daemon is down
/// arrives after it comes back. (Beyond Slack's retry window a real workspace would drop it; the stand-in does not
/// model that window.)
final class SlackConformanceServer: ConformanceServer {
    static let botToken = "xoxb-conf-4444-bot-secret-VALUE"
    static let appToken = "xapp-1-A0APP001-5555-app-secret-VALUE"
    static let wrongBotToken = "xoxb-conf-0000-wrong-secret-VALUE"

    let server: SlackTestServer

    private init(server: SlackTestServer) { self.server = server }

    static func make() async throws -> SlackConformanceServer {
        SlackConformanceServer(server: try await SlackTestServer.start(botToken: botToken, appToken: appToken))
    }

    func platformYAML(name: String, validCredential: Bool) -> String {
        let bot = validCredential ? "SLACK_CONF_BOT_TOKEN" : "SLACK_CONF_WRONG_BOT_TOKEN"
        return "{ type: slack, app_token: ${SLACK_CONF_APP_TOKEN}, bot_token: ${\(bot)}, api_base: \"\(server.apiBase)\", request_timeout: 5s }"
    }

    var environment: [String: String] {
        ["SLACK_CONF_APP_TOKEN": Self.appToken, "SLACK_CONF_BOT_TOKEN": Self.botToken, "SLACK_CONF_WRONG_BOT_TOKEN": Self.wrongBotToken]
    }

    var secrets: [String] { [Self.appToken, Self.botToken, Self.wrongBotToken] }
    var chat: String { "C0GENERAL" }
    var keepsHistory: Bool { true }

    /// Credential checks: `auth.test` (the bot token, checked first) plus `apps.connections.open` (the app token).
    func logins() async -> Int {
        let state = server.state
        return await state.authTests + state.logins
    }

    func stop() async { await server.stop() }
    func start() async throws { try await server.start() }

    func post(_ texts: [String]) async throws { await server.state.userPosts(texts, channel: chat) }

    func delivered() async throws -> [String] {
        await server.state.posts.filter { $0.channel == chat }.map(\.text)
    }

    func shutdown() async { await server.stop() }
}
