import Foundation
import Logging
import Synchronization

@testable import GatewayCore
@testable import GatewayMatrix

/// The inbox and the cursor table of one platform, in memory: what the daemon's store keeps across restarts.
final class MatrixMemoryStore: InboundSink, CursorStore {
    private struct Contents {
        var messages: [InboundMessage] = []
        var cursors: [String: String] = [:]
        var handOffs: [(count: Int, cursors: [String: String])] = []
    }

    private let contents = Mutex(Contents())

    var messages: [InboundMessage] { contents.withLock { $0.messages } }
    var since: String? { contents.withLock { $0.cursors["since"] } }
    /// Every hand-off: how many messages, with which cursors.
    var handOffs: [(count: Int, cursors: [String: String])] { contents.withLock { $0.handOffs } }

    func handOff(platform: String, messages: [InboundMessage], cursors: [String: String]) async throws {
        contents.withLock {
            // As the inbox does: a message id already stored is ignored.
            let known = Set($0.messages.map(\.id))
            $0.messages += messages.filter { !known.contains($0.id) }
            $0.cursors.merge(cursors) { _, new in new }
            $0.handOffs.append((messages.count, cursors))
        }
    }

    func cursor(platform: String, key: String) async throws -> String? { contents.withLock { $0.cursors[key] } }

    func setCursors(platform: String, _ values: [String: String]) async throws {
        contents.withLock { $0.cursors.merge(values) { _, new in new } }
    }
}

/// A Matrix adapter on `homeserver` with `token`, its cursors and inbox in `store`, its log in `logs` when given.
func matrixAdapter(
    homeserver: String, token: String, rooms: [String], store: MatrixMemoryStore, deviceID: String? = nil,
    syncTimeoutMillis: Int64 = 1_000, requestTimeoutMillis: Int64 = 5_000, logs: LogCapture? = nil
) -> MatrixAdapter {
    let settings = MatrixSettings(
        homeserver: homeserver, accessToken: Secret(token), rooms: rooms, deviceID: deviceID,
        syncTimeoutMillis: syncTimeoutMillis, requestTimeoutMillis: requestTimeoutMillis)
    let logger = logs?.logger() ?? Logger(label: "matrix-test") { _ in SwiftLogNoOpLogHandler() }
    let context = AdapterContext(
        platform: "mx", store: store, clock: ManualClock(), logger: logger, redactor: settings.redactor, sink: store)
    return MatrixAdapter(settings: settings, context: context)
}

/// Runs `adapter` (connected) in a task; `body` then drives it; disconnects and awaits the run after.
func whileRunning<T>(_ adapter: MatrixAdapter, _ body: () async throws -> T) async throws -> T {
    let running = Task { try await adapter.run() }
    do {
        let value = try await body()
        await adapter.disconnect()
        try await running.value
        return value
    } catch {
        await adapter.disconnect()
        _ = await running.result
        throw error
    }
}
