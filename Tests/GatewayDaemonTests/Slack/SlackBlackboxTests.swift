import Foundation
import GatewayStore
import Testing

/// `type: slack` through the built binary against the local Slack.
@Suite("Black box: Slack", .serialized)
struct SlackBlackboxTests {
    static let appToken = "xapp-1-A0APP001-7777-bb-app-SECRET"
    static let botToken = "xoxb-8888-bb-bot-SECRET"

    @Test("gatewayd run connects; a user's message reaches the inbox; POST /v1/messages reaches Slack; no token in the log")
    func runsAgainstTheStandIn() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let slack = try await SlackTestServer.start(botToken: Self.botToken, appToken: Self.appToken)
        setenv("BB_SLACK_APP", Self.appToken, 1)
        setenv("BB_SLACK_BOT", Self.botToken, 1)
        let config = try gw.config("""
            when_all_failed: stay
            platforms:
              team: { type: slack, app_token: ${BB_SLACK_APP}, bot_token: ${BB_SLACK_BOT}, api_base: "\(slack.apiBase)" }
            """)
        let daemon = try gw.daemon(config, arguments: ["--http", "127.0.0.1:0"], logLevel: "debug")
        let base = "http://127.0.0.1:\(try await daemon.httpPort())"
        let store = try Store(path: gw.db)
        try await waitUntil("team is connected", every: .milliseconds(50)) { try await store.platform("team")?.state == .connected }

        let ids = await slack.state.userPosts(["hello gatewayd"])
        try await waitUntil("the message is in the inbox", every: .milliseconds(50)) {
            try await gw.run(["inbox", "--db", gw.db]).stdout.contains("hello gatewayd")
        }
        #expect(try await store.inbox(platform: "team").map(\.messageID) == ids)

        let post = try await http(.POST, "\(base)/v1/messages", body: #"{"platform":"team","target":"C0GENERAL","text":"hi from the bot"}"#)
        #expect((200...299).contains(post.status), "\(post.status) \(post.body)")
        try await waitUntil("the stand-in has the post", every: .milliseconds(50)) {
            await slack.state.posts.map(\.text) == ["hi from the bot"]
        }
        let refused = try await http(.POST, "\(base)/v1/messages", body: ##"{"platform":"team","target":"#general","text":"x"}"##)
        #expect(refused.status == 400 && refused.body.contains("not a Slack conversation"), "\(refused.body)")

        daemon.kill(SIGTERM)
        #expect(await daemon.finished().status == 0)
        await slack.stop()
        for secret in [Self.appToken, Self.botToken] {
            #expect(!daemon.log.contains(secret), "a token in the log")
            #expect(try !databaseFilesContain(secret, path: gw.db), "a token in the database")
        }
    }

    @Test("a slack entry without app_token exits 78 naming platforms.team.app_token; a wrong-prefix token names its key")
    func badConfig() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let missing = try gw.config("platforms:\n  team: { type: slack, bot_token: xoxb-1-2 }\n")
        let result = try await gw.run(["run", "--config", missing.path, "--db", gw.db])
        #expect(result.status == 78, "\(result.status) \(result.stderr)")
        #expect(result.stderr.contains("platforms.team.app_token") && result.stderr.contains("missing required key"), "\(result.stderr)")

        let swapped = try gw.config("platforms:\n  team: { type: slack, app_token: xoxb-not-an-app-token, bot_token: xoxb-1-2 }\n", name: "swapped.yaml")
        let second = try await gw.run(["run", "--config", swapped.path, "--db", gw.db])
        #expect(second.status == 78, "\(second.status) \(second.stderr)")
        #expect(second.stderr.contains("platforms.team.app_token") && second.stderr.contains("starting with xapp-"), "\(second.stderr)")
        #expect(!second.stderr.contains("xoxb-not-an-app-token"), "the value is never shown")
    }
}
