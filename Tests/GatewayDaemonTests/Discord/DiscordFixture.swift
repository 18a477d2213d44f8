import Foundation
import GatewayStore
import Logging
import Synchronization
import Testing

@testable import GatewayCore
@testable import GatewayDiscord
@testable import GatewayDaemon
@testable import GatewayRuntime

/// A gateway (Harness) with one Discord platform `dc` pointed at a local test gateway, a recording sink and a log
/// capture. `restart()` stops the daemon and starts a new one on the same database file.
final class DiscordFixture: Sendable {
    static let token = "TEST.discord-secret.token"
    static let environment = ["DISCORD_TOKEN": token]

    let server: DiscordTestGateway
    let logs = LogCapture()
    let directory: URL
    let path: String
    let sink: RecordingSink
    let reconnect: String
    private let current: Mutex<Harness?> = Mutex(nil)

    var g: Harness { current.withLock { $0! } }

    /// - Parameter reconnect: the `reconnect:` policy (base 30 s, no jitter by default: exact schedules).
    init(reconnect: String = "{ base: 30s, jitter: 0, connect_timeout: 30s }", configure: @Sendable (inout TestGatewayState.Knobs) -> Void = { _ in }) async throws {
        server = try await DiscordTestGateway(token: Self.token)
        await server.state.update(configure)
        directory = FileManager.default.temporaryDirectory.appending(path: "gatewayd-discord-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appending(path: "gateway.db").path
        sink = RecordingSink(path: path, clock: SystemGatewayClock())
        self.reconnect = reconnect
        try await start()
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    var yaml: String {
        """
        reconnect: \(reconnect)
        when_all_failed: stay
        platforms:
          dc: { type: discord, token: ${DISCORD_TOKEN}, api_base: "\(server.apiBase)" }
        """
    }

    /// Starts a daemon on the fixture's database file.
    func start() async throws {
        let harness = try await Harness(
            yaml, sink: sink, environment: Self.environment, logger: logs.logger(), path: path)
        current.withLock { $0 = harness }
    }

    /// Stops the daemon (graceful shutdown) and starts a new one on the same file.
    func restart() async throws {
        try await g.stop()
        try await start()
    }

    func finish() async throws {
        try await g.stop()
        await server.stop()
    }

    var state: TestGatewayState { server.state }

    func row() async throws -> PlatformRecord { try await g.row("dc") }

    func cursor(_ key: String) async throws -> String? { try await g.store.cursor(platform: "dc", key: key) }

    /// Waits (bounded, real time) until the test gateway's state satisfies `condition`.
    func serverSees(
        _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: @Sendable (isolated TestGatewayState) -> Bool
    ) async throws {
        try await g.waitUntil(what, sourceLocation: sourceLocation) { await server.state.check(condition) }
    }

    /// Waits until an attempt has failed and been recorded (a new platform starts in `backing_off` too).
    func waitForFailure(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await g.waitUntil("an attempt failed", sourceLocation: sourceLocation) {
            guard let row = try await g.store.platform("dc") else { return false }
            return row.lastErrorCode != nil && (row.state == .backingOff || row.state == .needsAttention)
        }
    }

    /// Advances the manual clock to the row's next retry.
    func advanceToRetry() async throws {
        let due = try #require(try await row().nextRetryAt)
        g.clock.set(max(due, g.clock.nowMillis()))
    }
}

extension TestGatewayState {
    func check(_ condition: (isolated TestGatewayState) -> Bool) -> Bool { condition(self) }
}
