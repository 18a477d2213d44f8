import GatewayCore
import GatewayRuntime
import Foundation
import GatewayDaemon
import GatewayStore
import Logging

/// A reconnect supervisor under test on the virtual clock: our daemon, or the seed model.
@MainActor
protocol Subject: AnyObject {
    var label: String { get }
    func start() async throws
    /// Stops as a restart would (the process goes away).
    func stop() async
    /// Every flow is asleep on the virtual clock: time may move to the next deadline.
    func isQuiescent() async -> Bool
    /// Platforms the supervisor still believes connected (after the network went down: drops not yet handled).
    func believedConnected() async throws -> Int
    /// Platforms the supervisor has given up on (never retried without a human).
    func gaveUp() async throws -> Int
}

/// Our daemon: a `GatewayRunner` in-process on a real SQLite file (default settings: WAL, synchronous=NORMAL).
@MainActor
final class OursSubject: Subject {
    let label: String
    let config: GatewayConfig
    let path: String
    let clock: VirtualClock
    let factory: NetworkAdapterFactory
    let probing: NetworkProbing
    private var seed: UInt64 = 1
    private(set) var store: Store?
    private var daemon: Daemon?
    private var runner: GatewayRunner? { daemon?.runner }
    private var task: Task<Void, any Error>?

    init(label: String, config: GatewayConfig, path: String, clock: VirtualClock, factory: NetworkAdapterFactory) {
        probing = NetworkProbing(network: factory.network)
        self.label = label
        self.config = config
        self.path = path
        self.clock = clock
        self.factory = factory
    }

    func start() async throws {
        factory.nextGeneration()
        seed += 1
        let store = try Store(path: path, clock: clock, random: SplitMix64(seed: seed))
        try LagProbe.install(path: path)
        let daemon = Daemon.assemble(
            config: config, store: store,
            parts: DaemonParts(clock: clock, factory: factory, probing: probing, serveHTTP: false, shutdownSignals: []),
            logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        self.store = store
        self.daemon = daemon
        task = Task.detached { try await daemon.run() }
    }

    func stop() async {
        task?.cancel()
        if case .failure(let error)? = await task?.result, !(error is CancellationError) {
            FileHandle.standardError.write(Data("\(label): the runner failed: \(error)\n".utf8))
        }
        task = nil
        daemon = nil
    }

    func isQuiescent() async -> Bool {
        guard let runner else { return true }
        // The watcher's wait is asleep on the clock, due within one poll interval. (It registers from a child task,
        // so `isSettled` alone can be true a moment before it is.) The only other untagged sleepers are connect
        // timeouts, due a whole timeout after their login started: never within the poll interval here.
        let census = clock.census(horizon: WatcherSettings().pollIntervalMillis)
        guard census.untaggedSoon == 1 else { return false }
        // Logins asleep on the clock are attempts waiting for time, not work in progress.
        let prefix = factory.loginTag("", generation: factory.generation)
        let sleeping = Set(census.tagged.keys.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) })
        guard await runner.isSettled(ignoring: sleeping) else { return false }
        // Nobody went to sleep or woke up while we looked: the two looks describe the same moment.
        return clock.changes == census.changes
    }

    func believedConnected() async throws -> Int {
        try await store?.platforms().count(where: { $0.state == .connected }) ?? 0
    }

    func gaveUp() async throws -> Int {
        try await store?.platforms().count(where: { $0.state == .gaveUp }) ?? 0
    }

    /// The largest lag (ms) between a row's due time and its claim. On the virtual clock it must be 0: anything
    /// else means the simulation moved time while the daemon still had work, and the run is not valid.
    func maxVirtualLag() throws -> Int64 { try LagProbe.maxLag(path: path) }
}

/// A probe the benchmark adds to its own database files: a trigger that records, for every claim of a queued row,
/// the `next_retry_at` the row had (its due time) and the attempt number.
enum LagProbe {
    static func install(path: String) throws {
        try BenchDatabase(path: path).execute("""
            CREATE TABLE IF NOT EXISTS bench_claims (
                platform TEXT NOT NULL, attempt INTEGER NOT NULL, due_at INTEGER NOT NULL, claimed_at INTEGER NOT NULL
            ) STRICT;
            CREATE TRIGGER IF NOT EXISTS bench_claim AFTER UPDATE OF state ON platforms
            WHEN OLD.state = 'backing_off' AND NEW.state = 'connecting'
            BEGIN INSERT INTO bench_claims VALUES (NEW.name, NEW.attempts, OLD.next_retry_at, NEW.state_changed_at); END;
            """)
    }

    static func maxLag(path: String) throws -> Int64 {
        try BenchDatabase(path: path, readOnly: true).firstInteger("SELECT coalesce(max(claimed_at - due_at), 0) FROM bench_claims") ?? 0
    }
}

/// The seed model, restarted as the seed would be: a fresh process with empty memory. With `rules` that never give
/// up, it is a model of today's hermes (retry for ever at the 300 s cap, the same 10 s tick).
@MainActor
final class SeedSubject: Subject {
    let label: String
    let platforms: [PlatformConfig]
    let clock: VirtualClock
    let factory: any AdapterMaking
    let rules: SeedModel.Rules
    private var model: SeedModel?
    private var task: Task<Void, Never>?

    init(
        platforms: [PlatformConfig], clock: VirtualClock, factory: any AdapterMaking, rules: SeedModel.Rules = .init(),
        label: String = "seed model"
    ) {
        self.label = label
        self.rules = rules
        self.platforms = platforms
        self.clock = clock
        self.factory = factory
    }

    func start() async throws {
        let model = SeedModel(platforms: platforms, factory: factory, clock: clock, rules: rules)
        self.model = model
        task = Task.detached { await model.run() }
    }

    func stop() async {
        task?.cancel()
        await task?.value
        await model?.shutdown()
        task = nil
        model = nil
    }

    func isQuiescent() async -> Bool {
        // The model is one sequential flow: it is waiting for time iff it (or the login it awaits) sleeps.
        guard model != nil else { return true }
        return !clock.sleepingTags.isEmpty
    }

    func believedConnected() async throws -> Int { await model?.connectedCount ?? 0 }

    func gaveUp() async throws -> Int { await model?.gaveUp.count ?? 0 }
}
