import GatewayCore
import GatewayRuntime
import Foundation
import GatewayDaemon
import GatewayStore

/// The store at scale: a database of N platforms, all queued and none due for an hour (the worst case for the due
/// index: every row is in it), with 5 history events each. Default store settings: a WAL file on disk,
/// synchronous=NORMAL.
struct StoreSpec: Sendable {
    var platforms = 100_000
    var samples = 2_000
    var idleSeconds = 30
}

struct StoreResult: Sendable {
    var nextWakeNanos: [Double] = []
    var earliestDueNanos: [Double] = []
    var claimNanos: [Double] = []
    var failNanos: [Double] = []
    var transitionNanos: [Double] = []
    /// The seed model: one pass over the queue (nothing due), and one in-memory transition (mean of a batch).
    var modelPassNanos: [Double] = []
    var modelTransitionNanos: Double = 0
    var idle: [String: IdleResult] = [:]
}

struct IdleResult: Sendable {
    var readySeconds: Double
    var cpuPercent: Double
    var rssKiB: Int
    var peakKiB: Int
    /// Ours: the first start, on a file no clean stop had noted as checked (`readySeconds` is the restart after one).
    var firstReadySeconds: Double?
    /// Ours: whether the first daemon's clean stop noted the file as checked (`<db>-verified`).
    var stampedAtStop: Bool?
}

@MainActor
enum StoreScenario {
    static let hour: Int64 = 3_600_000

    /// Writes N queued platforms, due from `now + 1 h` on, spread over an hour, with 5 events each.
    static func seed(path: String, platforms: Int, now: Int64) throws {
        let db = try BenchDatabase(path: path)
        try db.insert(
            """
            INSERT INTO platforms (name, type, state, attempts, next_retry_at, scheduled_at, last_error_class,
                last_error_code, last_error, first_failed_at, exhausted, state_changed_at, created_at)
            VALUES (?, 'simulated', 'backing_off', ?, ?, ?, 'network', 'simulated', 'network unreachable', ?, 0, ?, ?)
            """,
            rows: (0..<platforms).lazy.map { index -> [Any?] in
                let due = now + hour + Int64(index) * hour / Int64(platforms)
                return [name(index), 1 + index % 5, due, now, now - 600_000, now, now - 86_400_000]
            })
        let kinds = ["added", "attempt_started", "connected", "disconnected", "attempt_started"]
        try db.insert(
            """
            INSERT INTO platform_events (platform, at, kind, from_state, to_state, attempt, error_class, detail, actor)
            VALUES (?, ?, ?, NULL, NULL, ?, NULL, NULL, 'daemon')
            """,
            rows: (0..<(platforms * kinds.count)).lazy.map { index -> [Any?] in
                [name(index / kinds.count), now - 86_400_000 + Int64(index), kinds[index % kinds.count], index % kinds.count]
            })
    }

    static func name(_ index: Int) -> String { String(format: "p%06d", index) }

    /// Query and transition costs in-process, ours against the seed model's in-memory queue.
    static func measure(_ spec: StoreSpec, directory: URL) async throws -> StoreResult {
        let path = directory.appending(path: "scale-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let clock = VirtualClock(nowMillis: SystemGatewayClock().nowMillis())
        let start = clock.nowMillis()
        let store = try Store(path: path, clock: clock, random: SplitMix64(seed: 7))
        try seed(path: path, platforms: spec.platforms, now: start)
        var result = StoreResult()

        func timed<T>(_ work: () async throws -> T) async rethrows -> (T, Double) {
            let begin = ContinuousClock.now
            let value = try await work()
            return (value, (ContinuousClock.now - begin).nanos)
        }
        for _ in 0..<spec.samples {
            result.nextWakeNanos.append(try await timed { try await store.nextWakeAt() }.1)
            result.earliestDueNanos.append(try await timed { try await store.earliestDue() }.1)
        }
        // One due row at a time: move the clock to the earliest due time, claim it, record its failure.
        let failure = PlatformFailure(.network, code: "simulated", message: "network unreachable")
        for _ in 0..<spec.samples {
            guard let due = try await store.earliestDue() else { break }
            clock.advance(to: due)
            let (claimed, claim) = try await timed { try await store.claimDue(owner: "bench", limit: 1) }
            guard let row = claimed.first else { break }
            let (_, fail) = try await timed { try await store.recordFailure(row.name, owner: "bench", failure: failure) }
            result.claimNanos.append(claim)
            result.failNanos.append(fail)
            result.transitionNanos.append(claim + fail)
        }

        // The seed model: the same N queued, nothing due; its watcher walks the whole queue every 10 s.
        let modelClock = VirtualClock(nowMillis: start)
        let entries = (0..<spec.platforms).map { (name: name($0), attempts: 1 + $0 % 5, nextRetry: start + hour + Int64($0) * hour / Int64(spec.platforms)) }
        let model = SeedModel(platforms: [], factory: AdapterFactory(), clock: modelClock)
        let task = Task.detached { await model.watch(prefilled: entries) }
        let passes = min(spec.samples, 300)  // 300 ticks = 50 min: still nothing due
        while await model.passNanos.count < passes {
            if let next = modelClock.nextDeadline, !modelClock.sleepingTags.isEmpty {
                modelClock.advance(to: next)
            } else {
                await Task.yield()
            }
        }
        task.cancel()
        await task.value
        result.modelPassNanos = await model.passNanos

        // The seed's transition: a dict entry's attempts and next retry updated (timed as a batch, per entry).
        var queue = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, (attempts: $0.attempts, next: $0.nextRetry)) })
        let rules = SeedModel.Rules()
        let (_, batch) = await timed {
            for entry in entries {
                let attempts = (queue[entry.name]?.attempts ?? 0) + 1
                queue[entry.name] = (attempts, start + rules.backoff(afterAttempt: attempts))
            }
        }
        result.modelTransitionNanos = batch / Double(entries.count)
        precondition(queue.count == entries.count)
        return result
    }
}
