import GatewayCore
import GatewayRuntime
import Foundation
import GatewayDaemon
import GatewayStore
import Logging

/// Messages: durable enqueue throughput (single vs batched) and outbox flush rate, on real database files.
///
/// - Enqueue: N messages through the public path (`DeliveryRouter.enqueue`: validation, then the store), each single
///   enqueue its own `BEGIN IMMEDIATE … COMMIT`, against the same N in batches of B (one transaction per batch). A
///   fresh WAL database per run, at `synchronous=NORMAL` (gatewayd's default: a commit writes the WAL, no fsync;
///   durable across a process crash) and at `synchronous=FULL` (an fsync of the WAL per commit; survives power loss).
/// - Flush: N messages queued while the platform is down, then a gateway starts (in-process, real clock) and flushes
///   them. Paced: the real Telegram adapter against a loopback Bot API server (`LoopbackTelegram`), with its real
///   limits (1 msg/s per chat, 30 msg/s overall) — the messages go to many chats so the overall limit is the bound.
///   Unpaced: the simulated adapter (no network, no pacing): what the store and the flusher cost per message
///   (two durable transactions each: `sending`, then `sent`).
struct MessagesSpec: Sendable {
    var count = 10_000
    var batchSizes = [10, 100, 1_000]
    var pacedCount = 300
    var pacedChats = 100
    var unpacedCount = 10_000
}

struct EnqueueMeasure: Sendable {
    var sync: String
    /// nil: single enqueues.
    var batch: Int?
    var count: Int
    var seconds: Double
    var perSecond: Double { Double(count) / seconds }
}

struct FlushMeasure: Sendable {
    var label: String
    var count: Int
    /// From the first message's `sent_at` to the last one's.
    var flushSeconds: Double
    /// From the gateway's start (reconnect) to the last `sent_at`.
    var totalSeconds: Double
    var perSecond: Double { flushSeconds > 0 ? Double(count - 1) / flushSeconds : .infinity }
}

@MainActor
enum MessagesScenario {
    static let token = "123456:bench-loopback-token"

    // MARK: - Enqueue

    static func enqueue(
        count: Int, batch: Int?, sync: ConnectionOptions.Synchronous, directory: URL
    ) async throws -> EnqueueMeasure {
        let path = directory.appending(path: "enqueue-\(UUID().uuidString).db").path
        defer { remove(path) }
        let store = try Store(path: path, settings: StoreSettings(connection: ConnectionOptions(synchronous: sync)))
        _ = try await store.startup(configured: [PlatformSpec(name: "tg", type: "telegram")])
        let messages = (0..<count).map {
            NewOutboxMessage(platform: "tg", target: String(4_200 + $0 % 100), text: "bench message \($0): hello from gatewayd")
        }
        let begin = ContinuousClock.now
        if let batch {
            var start = 0
            while start < count {
                let end = min(start + batch, count)
                _ = try await DeliveryRouter.enqueue(store: store, kinds: PlatformKinds.all, batch: Array(messages[start..<end]))
                start = end
            }
        } else {
            for message in messages {
                _ = try await DeliveryRouter.enqueue(
                    store: store, kinds: PlatformKinds.all, platform: message.platform, target: message.target, text: message.text,
                    expiresAt: nil, idempotencyKey: nil)
            }
        }
        let seconds = (ContinuousClock.now - begin).seconds
        let stored = try await store.outbox(states: [.queued], limit: count + 1).count
        guard stored == count else { throw ProcessScenarios.Failed(description: "enqueue: \(stored) of \(count) stored") }
        return EnqueueMeasure(sync: sync.rawValue, batch: batch, count: count, seconds: seconds)
    }

    // MARK: - Flush

    /// Telegram (paced, real adapter, loopback server): `count` messages over `chats` chats.
    static func pacedFlush(count: Int, chats: Int, directory: URL) async throws -> FlushMeasure {
        let server = try await LoopbackTelegram(tokens: [token])
        let yaml = """
            when_all_failed: stay
            platforms:
              tg: { type: telegram, token: ${TG_TOKEN}, api_base: "\(server.apiBase)", poll_timeout: 1s, request_timeout: 10s }
            """
        let targets = (0..<chats).map { String(4_200 + $0) }
        let measure: FlushMeasure
        do {
            measure = try await flush(
                yaml: yaml, platform: "tg", count: count, targets: targets,
                label: "Telegram adapter → loopback Bot API, \(chats) chats (paced: 1/s per chat, 30/s overall)", directory: directory)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
        guard server.sent >= count else { throw ProcessScenarios.Failed(description: "the loopback server got \(server.sent) of \(count)") }
        return measure
    }

    /// Simulated adapter (no network, no pacing): the store + flusher cost.
    static func unpacedFlush(count: Int, directory: URL) async throws -> FlushMeasure {
        let yaml = "when_all_failed: stay\nplatforms:\n  sim: { type: simulated, script: connect }\n"
        return try await flush(
            yaml: yaml, platform: "sim", count: count, targets: ["#a", "#b"],
            label: "simulated adapter (unpaced, no network): store + flusher overhead", directory: directory)
    }

    /// Connects once (so the row exists), stops; queues `count` messages in one batch while down; starts a new
    /// gateway and waits until every message is sent. Rates come from the outbox's own `sent_at` times.
    private static func flush(
        yaml: String, platform: String, count: Int, targets: [String], label: String, directory: URL
    ) async throws -> FlushMeasure {
        let path = directory.appending(path: "flush-\(UUID().uuidString).db").path
        defer { remove(path) }
        let config = try GatewayConfig.parse(yaml: yaml, source: "bench", environment: ["TG_TOKEN": token])
        var logger = Logger(label: "bench")
        logger.logLevel = .error

        try await runUntil(config: config, path: path, logger: logger) { store in
            try await store.platform(platform)?.state == .connected
        }
        let store = try Store(path: path)
        let batch = (0..<count).map { NewOutboxMessage(platform: platform, target: targets[$0 % targets.count], text: "flush \($0)") }
        _ = try await DeliveryRouter.enqueue(store: store, kinds: PlatformKinds.all, batch: batch)

        let started = SystemWallClock().nowMillis()
        try await runUntil(config: config, path: path, logger: logger, timeout: .seconds(Double(count) / 10 + 120)) { store in
            try await store.messageDepths()[platform]?.outbox ?? 0 == 0
        }
        let sent = try await store.outbox(states: [.sent], platform: platform, limit: count + 1).compactMap(\.sentAt)
        guard sent.count == count, let first = sent.min(), let last = sent.max() else {
            throw ProcessScenarios.Failed(description: "flush: \(sent.count) of \(count) sent")
        }
        return FlushMeasure(
            label: label, count: count, flushSeconds: Double(last - first) / 1000, totalSeconds: Double(last - started) / 1000)
    }

    /// Runs a gateway on `path` until `done` holds (polled every 20 ms), then stops it gracefully.
    private static func runUntil(
        config: GatewayConfig, path: String, logger: Logger, timeout: Duration = .seconds(60),
        _ done: (Store) async throws -> Bool
    ) async throws {
        let daemon = Daemon.assemble(
            config: config, store: try Store(path: path), parts: DaemonParts(serveHTTP: false, shutdownSignals: []),
            logger: logger)
        let task = Task { try await daemon.run() }
        defer { task.cancel() }
        let probe = try Store(path: path)  // its own connection: polling does not queue behind the gateway's writes
        let deadline = ContinuousClock.now + timeout
        while try await !done(probe) {
            guard ContinuousClock.now < deadline else { throw ProcessScenarios.Failed(description: "the gateway did not finish in time") }
            try await Task.sleep(for: .milliseconds(20))
        }
        task.cancel()
        _ = await task.result
    }

    private static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}
