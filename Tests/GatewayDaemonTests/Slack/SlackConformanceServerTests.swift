import Foundation
import Synchronization
import Testing

@testable import GatewayCore
@testable import GatewaySlack

/// ``SlackConformanceServer`` works as the conformance suite needs: stop/start on the same port with its state, a
/// post reaches an adapter, `delivered` lists what the bot sent, a wrong credential is refused.
@Suite("Slack: the conformance server")
struct SlackConformanceServerTests {
    @Test("start/stop/start on one port; posts queued while down arrive after; delivered lists the bot's texts")
    func roundTrip() async throws {
        let conf = try await SlackConformanceServer.make()
        let port = conf.server.port
        let directory = FileManager.default.temporaryDirectory.appending(path: "gatewayd-slack-conf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let settings = SlackSettings(
            appToken: Secret(SlackConformanceServer.appToken), botToken: Secret(SlackConformanceServer.botToken),
            apiBase: conf.server.apiBase, requestTimeoutMillis: 5_000)
        let sink = CollectingInbound()
        func adapter() -> SlackAdapter {
            SlackAdapter(settings: settings, context: AdapterContext(
                platform: "sl", store: nil, clock: ManualClock(), logger: LogCapture().logger(), redactor: .none, sink: sink))
        }
        let first = adapter()
        try await first.connect()
        #expect(await conf.logins() == 2)
        let running = Task { try await first.run() }
        try await conf.post(["one"])
        try await waitUntil("one arrives") { sink.texts == ["one"] }

        await conf.stop()
        #expect(await running.result.failure != nil, "the socket dropped")
        await #expect(throws: AdapterError.self) { try await adapter().connect() }
        try await conf.post(["two", "three"])
        try await conf.start()
        #expect(conf.server.port == port, "same port")

        let second = adapter()
        try await second.connect()
        let again = Task { try await second.run() }
        try await waitUntil("two and three arrive") { sink.texts == ["one", "two", "three"] }
        _ = try await second.send(OutgoingMessage(target: conf.chat, text: "reply"))
        #expect(try await conf.delivered() == ["reply"])

        // The invalid credential of platformYAML is one the server refuses.
        let wrong = SlackAdapter(
            settings: SlackSettings(
                appToken: Secret(SlackConformanceServer.appToken), botToken: Secret(SlackConformanceServer.wrongBotToken),
                apiBase: conf.server.apiBase, requestTimeoutMillis: 5_000),
            context: AdapterContext(platform: "sl", store: nil, clock: ManualClock(), logger: LogCapture().logger(), redactor: .none))
        let refused = try await #require(throws: AdapterError.self) { try await wrong.connect() }
        #expect(refused.errorClass == .auth)
        #expect(conf.platformYAML(name: "sl", validCredential: false).contains("SLACK_CONF_WRONG_BOT_TOKEN"))
        await second.disconnect()
        _ = await again.result
        await conf.shutdown()
    }
}

/// Keeps the texts handed to it, in order.
final class CollectingInbound: InboundSink {
    private let state = Mutex<[String]>([])
    var texts: [String] { state.withLock { $0 } }
    func handOff(platform: String, messages: [InboundMessage], cursors: [String: String]) async throws {
        state.withLock { $0 += messages.map(\.text) }
    }
}
