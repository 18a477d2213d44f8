import GatewayCore
import GatewayRuntime
import GatewayDaemon
import GatewayStore
import Logging

/// A model of the seed gateway's reconnect algorithm (hermes-agent PR #2584, `GatewayRunner._platform_reconnect_watcher`
/// in gateway/run.py), written from its published description and behaviour — no code copied:
///
/// - startup connects the configured platforms **one after another**; a retryable failure is queued with
///   `attempts = 1`, next retry 30 s later; a non-retryable one is not queued;
/// - a live connection that drops with a retryable error is queued with `attempts = 0`, next retry 30 s later
///   (unless already queued);
/// - the watcher first sleeps 10 s; then, while the queue is empty, it sleeps 30 s; otherwise it takes the time once,
///   walks the queue in insertion order and, for each entry due at that time, gives up when `attempts >= 20`, else
///   makes a fresh adapter and awaits its connect (sequentially, no connect timeout); a retryable failure sets
///   `attempts += 1` and the next retry `min(30 · 2^(attempts − 1), 300)` s after the failure (no jitter); a success
///   or a non-retryable failure leaves the queue; after each pass it sleeps 10 s;
/// - everything lives in memory: a restart forgets the queue and starts over with the startup connects.
///
/// It runs on the same `GatewayClock` and the same `AdapterMaking` as our daemon, so both meet identical platforms
/// and identical time.
actor SeedModel {
    /// The seed's constants.
    struct Rules: Sendable {
        var initialDelayMillis: Int64 = 10_000
        var tickMillis: Int64 = 10_000
        var idleMillis: Int64 = 30_000
        var firstRetryMillis: Int64 = 30_000
        var baseMillis: Int64 = 30_000
        var capMillis: Int64 = 300_000
        var maxAttempts = 20

        /// Today's hermes-agent gateway: the same tick and schedule, but it never gives up (it retries for ever at
        /// the 300 s cap).
        static var hermesToday: Rules {
            var rules = Rules()
            rules.maxAttempts = .max
            return rules
        }

        func backoff(afterAttempt attempt: Int) -> Int64 {
            let exponent = min(max(attempt, 1) - 1, 20)
            return min(baseMillis << Int64(exponent), capMillis)
        }
    }

    /// One reconnect attempt, for the lag scenario: when it was due and when it started (ms on the model's clock).
    struct Attempt: Sendable {
        let platform: String
        let attempt: Int
        let dueAt: Int64
        let startedAt: Int64
    }

    private struct Entry {
        var attempts: Int
        var nextRetry: Int64
    }

    /// The tag the watcher's own sleeps carry on a `VirtualClock`.
    static let watcherTag = "seed.watcher"

    let rules: Rules
    private let platforms: [PlatformConfig]
    private let byName: [String: PlatformConfig]
    private let factory: any AdapterMaking
    private let clock: any GatewayClock
    private let logger = Logger(label: "seed-model", factory: { _ in SwiftLogNoOpLogHandler() })
    /// The reconnect queue, in insertion order like the seed's dict.
    private var queue: [String: Entry] = [:]
    private var order: [String] = []
    private var connected: [String: any PlatformAdapter] = [:]
    private var running = true
    private(set) var gaveUp: [String] = []
    private(set) var attempts: [Attempt] = []
    /// Real time each pass over the queue took, ns (for the store-at-scale comparison).
    private(set) var passNanos: [Double] = []

    init(platforms: [PlatformConfig], factory: any AdapterMaking, clock: any GatewayClock, rules: Rules = Rules()) {
        self.platforms = platforms
        byName = Dictionary(platforms.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.factory = factory
        self.clock = clock
        self.rules = rules
    }

    var connectedCount: Int { connected.count }
    var queuedCount: Int { queue.count }

    /// Startup, then the watcher until cancelled.
    func run() async {
        for platform in platforms where platform.enabled {
            guard running, !Task.isCancelled else { return }
            let outcome = await connect(platform)
            if case .failed(retryable: true) = outcome {
                enqueue(platform.name, Entry(attempts: 1, nextRetry: clock.nowMillis() + rules.firstRetryMillis))
            }
        }
        await watch()
    }

    /// Benchmarks only: starts the watcher on a queue filled directly, without the startup connects — e.g. a large
    /// queue with nothing due, to measure what the watcher costs while it only scans.
    func watch(prefilled entries: [(name: String, attempts: Int, nextRetry: Int64)]) async {
        for entry in entries { enqueue(entry.name, Entry(attempts: entry.attempts, nextRetry: entry.nextRetry)) }
        await watch()
    }

    /// Stops: forgets everything (the seed keeps no state) and closes the live connections.
    func shutdown() async {
        running = false
        let live = connected
        connected = [:]
        queue = [:]
        order = []
        for adapter in live.values { await adapter.disconnect() }
    }

    // MARK: - The watcher

    private func watch() async {
        guard await pause(rules.initialDelayMillis) else { return }
        while running {
            if queue.isEmpty {
                guard await pause(rules.idleMillis) else { return }
                continue
            }
            let passStart = ContinuousClock.now
            guard await pass(at: clock.nowMillis()) else { return }
            let took = ContinuousClock.now - passStart
            passNanos.append(Double(took.components.seconds) * 1e9 + Double(took.components.attoseconds) / 1e9)
            guard await pause(rules.tickMillis) else { return }
        }
    }

    /// One walk over the queue, with the time taken once at its start. False when cancelled or stopped.
    private func pass(at now: Int64) async -> Bool {
        for name in order {
            guard running, !Task.isCancelled else { return false }
            guard let entry = queue[name], now >= entry.nextRetry else { continue }
            if entry.attempts >= rules.maxAttempts {
                dequeue(name)
                gaveUp.append(name)
                continue
            }
            guard let platform = byName[name] else { continue }
            let attempt = entry.attempts + 1
            attempts.append(Attempt(platform: name, attempt: attempt, dueAt: entry.nextRetry, startedAt: clock.nowMillis()))
            switch await connect(platform) {
            case .connected, .failed(retryable: false):
                dequeue(name)
            case .failed(retryable: true):
                queue[name] = Entry(attempts: attempt, nextRetry: clock.nowMillis() + rules.backoff(afterAttempt: attempt))
            case .cancelled:
                return false
            }
        }
        return true
    }

    private enum Outcome { case connected, failed(retryable: Bool), cancelled }

    /// One sequential connect: a fresh adapter, awaited to the end.
    private func connect(_ platform: PlatformConfig) async -> Outcome {
        let context = AdapterContext(platform: platform.name, store: nil, clock: clock, logger: logger, redactor: .none)
        do {
            let adapter = try await factory.makeAdapter(for: platform, context: context)
            try await adapter.connect()
            guard running else {
                await adapter.disconnect()
                return .cancelled
            }
            connected[platform.name] = adapter
            Task { await self.watchConnection(platform.name, adapter) }
            return .connected
        } catch is CancellationError {
            return .cancelled
        } catch {
            if Task.isCancelled || !running { return .cancelled }
            return .failed(retryable: AdapterError.classify(error).errorClass.isRetryable)
        }
    }

    /// Runs a live connection; a retryable drop queues the platform (attempts 0, first retry in 30 s).
    private func watchConnection(_ name: String, _ adapter: any PlatformAdapter) async {
        let dropped: AdapterError?
        do {
            try await adapter.run()
            dropped = nil
        } catch {
            dropped = AdapterError.classify(error)
        }
        guard running, let current = connected[name], current === adapter else { return }
        // Queued in the same step as it leaves `connected` (before the disconnect's suspension): whoever sees it gone
        // from one sees it in the other — the model's tests wait for the first and then expect the second.
        connected[name] = nil
        if let dropped, dropped.errorClass.isRetryable, queue[name] == nil {
            enqueue(name, Entry(attempts: 0, nextRetry: clock.nowMillis() + rules.firstRetryMillis))
        }
        await adapter.disconnect()
    }

    private func enqueue(_ name: String, _ entry: Entry) {
        if queue[name] == nil { order.append(name) }
        queue[name] = entry
    }

    private func dequeue(_ name: String) {
        queue[name] = nil
        order.removeAll { $0 == name }
    }

    /// Sleeps `millis` on the clock; false when cancelled or stopped.
    private func pause(_ millis: Int64) async -> Bool {
        let deadline = clock.nowMillis() + millis
        do {
            if let virtual = clock as? VirtualClock {
                try await virtual.sleep(untilMillis: deadline, tag: Self.watcherTag)
            } else {
                try await clock.sleep(untilMillis: deadline)
            }
        } catch {
            return false
        }
        return running
    }
}
