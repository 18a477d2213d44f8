import Foundation
import GatewayStore
import Logging
import Synchronization

@testable import GatewayCore
@testable import GatewayRuntime
@testable import GatewaySlack

/// One ``SlackTestServer``, a store on a temporary file, a manual clock and a log capture, for driving
/// ``SlackAdapter`` directly: `adapter()` makes one adapter per attempt, as supervision does.
final class SlackFixture: Sendable {
    static let botToken = "xoxb-1111-2222-bot-secret-TOKEN"
    static let appToken = "xapp-1-A0APP001-3333-app-secret-TOKEN"

    let server: SlackTestServer
    let clock = ManualClock()
    let logs = LogCapture()
    let store: Store
    let sink: FlakySink
    let directory: URL

    private init(server: SlackTestServer, store: Store, directory: URL) {
        self.server = server
        self.store = store
        self.directory = directory
        sink = FlakySink(store: store)
    }

    static func make() async throws -> SlackFixture {
        let server = try await SlackTestServer.start(botToken: botToken, appToken: appToken)
        let directory = FileManager.default.temporaryDirectory.appending(path: "gatewayd-slack-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try Store(path: directory.appending(path: "gateway.db").path, clock: SystemGatewayClock())
        _ = try await store.startup(configured: [PlatformSpec(name: "sl", type: "slack")])
        return SlackFixture(server: server, store: store, directory: directory)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func settings(appToken: String = SlackFixture.appToken, botToken: String = SlackFixture.botToken, apiBase: String? = nil) -> SlackSettings {
        SlackSettings(
            appToken: Secret(appToken), botToken: Secret(botToken), apiBase: apiBase ?? server.apiBase, requestTimeoutMillis: 10_000)
    }

    func adapter(_ settings: SlackSettings? = nil) -> SlackAdapter {
        let context = AdapterContext(
            platform: "sl", store: nil, clock: clock, logger: logs.logger(), redactor: Redactor(secrets: [Self.botToken, Self.appToken]),
            sink: sink)
        return SlackAdapter(settings: settings ?? self.settings(), context: context)
    }

    func inbox() async throws -> [InboxEntry] { try await store.inbox(platform: "sl") }

    func shutdown() async { await server.stop() }
}

/// The daemon's own inbox sink over the fixture's store, that can be told to refuse the next hand-offs.
final class FlakySink: InboundSink {
    private let inner: InboxSink
    private let state = Mutex<(refuse: Int, handed: [InboundMessage])>((0, []))

    init(store: Store) { inner = InboxSink(store: store) }

    var handed: [InboundMessage] { state.withLock { $0.handed } }

    func refuseNext(_ count: Int) { state.withLock { $0.refuse = count } }

    func handOff(platform: String, messages: [InboundMessage], cursors: [String: String]) async throws {
        let refuse = state.withLock { state -> Bool in
            guard state.refuse > 0 else { return false }
            state.refuse -= 1
            return true
        }
        if refuse { throw FlakySinkError() }
        try await inner.handOff(platform: platform, messages: messages, cursors: cursors)
        state.withLock { $0.handed += messages }
    }
}

struct FlakySinkError: Error, CustomStringConvertible {
    var description: String { "the test sink refused the batch" }
}
