import Foundation
import GatewayStore
import Synchronization
import Testing

@testable import GatewayCore
@testable import GatewayTelegram
@testable import GatewayDaemon
@testable import GatewayRuntime

/// The bot token every Telegram test uses; tests assert that it (and its secret half) never leaks.
let telegramTestToken = "123456:TEST-secret-token-abc"
let telegramTestSecretHalf = "TEST-secret-token-abc"

/// A gateway config with one Telegram platform `tg` against `server`, token from `${TG_TOKEN}`.
/// `request_timeout` is real time: 10 s by default, so a getMe or a poll on loopback never misses it on a loaded
/// 2-core machine (at 1 s, a full suite run starved getMe: connected never came). Tests of the deadline itself pass 1s.
func telegramYAML(_ server: TelegramTestServer, pollTimeout: String = "1s", requestTimeout: String = "10s") -> String {
    """
    reconnect: { base: 30s, jitter: 0 }
    when_all_failed: stay
    platforms:
      tg:
        type: telegram
        token: ${TG_TOKEN}
        api_base: "\(server.apiBase)"
        poll_timeout: \(pollTimeout)
        request_timeout: \(requestTimeout)
    """
}

let telegramEnvironment = ["TG_TOKEN": telegramTestToken]

/// A fresh directory for a database that outlives one Harness (restart tests); removed by `remove()`.
struct TelegramTempDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appending(path: "gatewayd-telegram-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var databasePath: String { url.appending(path: "gateway.db").path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// An inbound sink that records every hand-off (in order) and persists the cursors through its own connection to
/// the gateway's database, as the real sink does — so a restart resumes from what was handed on.
final class TelegramRecordingSink: InboundSink {
    struct Batch: Sendable {
        /// Every message text handed on up to and including this batch.
        let textsSoFar: [String]
        let offset: Int64?
    }

    private let store: Store
    private let recorded = Mutex<(messages: [InboundMessage], batches: [Batch])>(([], []))

    init(path: String) throws {
        store = try Store(path: path, clock: ManualClock())
    }

    func handOff(platform: String, messages: [InboundMessage], cursors: [String: String]) async throws {
        recorded.withLock { recorded in
            recorded.messages += messages
            let texts = recorded.messages.map(\.text)
            recorded.batches.append(Batch(textsSoFar: texts, offset: cursors["offset"].flatMap { Int64($0) }))
        }
        try await store.setCursors(platform: platform, cursors)
    }

    var messages: [InboundMessage] { recorded.withLock { $0.messages } }
    var texts: [String] { messages.map(\.text) }
    var batches: [Batch] { recorded.withLock { $0.batches } }
}

extension Harness {
    /// Waits until a paced send sleeps on the manual clock. The watcher sleeps on it too, but never more than once,
    /// so a second sleeper is the send.
    func waitForPacedSend(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await waitUntil("a send waits on the clock", sourceLocation: sourceLocation) { clock.sleeperCount >= 2 }
    }

    func offsetCursor() async throws -> Int64? {
        try await store.cursor(platform: "tg", key: "offset").flatMap { Int64($0) }
    }
}

extension TelegramTestServer {
    /// Waits (real time, bounded) until `condition` holds on the server's state.
    func waitUntil(
        _ what: String, timeout: Duration = .seconds(60), sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: (TelegramServerState) async -> Bool
    ) async throws {
        let state = state
        try await GatewayDaemonTests.waitUntil(what, timeout: timeout, sourceLocation: sourceLocation) { await condition(state) }
    }

    /// Waits until a long poll is being held (the adapter is connected and idle).
    func waitForHeldPoll(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await waitUntil("a long poll is held", sourceLocation: sourceLocation) { await $0.held >= 1 }
    }
}
