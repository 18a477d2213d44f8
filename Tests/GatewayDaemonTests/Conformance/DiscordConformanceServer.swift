import Foundation
import Synchronization

/// The local Discord (``DiscordTestGateway``: REST and the gateway socket) for the conformance suite: channel 100.
/// `stop()` shuts it down (the port refuses); `start()` opens a new one on the same port with the same state, so a
/// session the daemon had is still resumable and replays what was posted while the daemon was away.
final class DiscordConformanceServer: ConformanceServer {
    static let token = "CONF.discord-secret.token"
    static let badToken = "CONF.discord-wrong.token"
    let state: TestGatewayState
    private let current: Mutex<DiscordTestGateway?>
    let port: Int

    private init(gateway: DiscordTestGateway) {
        state = gateway.state
        port = gateway.port
        current = Mutex(gateway)
    }

    static func make() async throws -> DiscordConformanceServer {
        DiscordConformanceServer(gateway: try await DiscordTestGateway(token: token))
    }

    func platformYAML(name: String, validCredential: Bool) -> String {
        let token = validCredential ? "CONFORMANCE_DISCORD_TOKEN" : "CONFORMANCE_DISCORD_BAD_TOKEN"
        return #"{ type: discord, token: ${\#(token)}, api_base: "http://127.0.0.1:\#(port)/api/v10" }"#
    }

    var environment: [String: String] { ["CONFORMANCE_DISCORD_TOKEN": Self.token, "CONFORMANCE_DISCORD_BAD_TOKEN": Self.badToken] }
    var secrets: [String] { [Self.token, Self.badToken] }
    var chat: String { "100" }
    var keepsHistory: Bool { true }

    func logins() async -> Int { await state.usersMeRequests }

    func stop() async {
        guard let gateway = current.withLock({ value -> DiscordTestGateway? in defer { value = nil }; return value }) else { return }
        await gateway.stop()
    }

    func start() async throws {
        let gateway = try await DiscordTestGateway(token: Self.token, port: port, state: state)
        current.withLock { $0 = gateway }
    }

    func post(_ texts: [String]) async throws {
        for text in texts { try await state.dispatchMessage(channel: chat, content: text) }
    }

    func delivered() async throws -> [String] { await state.posts.filter { $0.channel == chat }.map(\.content) }
    func shutdown() async { await stop() }
}
