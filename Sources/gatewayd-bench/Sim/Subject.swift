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
    private var seed: UInt64 = 1
    private(set) var store: Store?
    private var runner: GatewayRunner?
    private var task: Task<Void, any Error>?

    init(label: String, config: GatewayConfig, path: String, clock: VirtualClock, factory: NetworkAdapterFactory) {
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
        let runner = GatewayRunner(
            config: config, store: store, clock: clock, factory: factory,
            logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        self.store = store
        self.runner = runner
        task = Task.detached { try await runner.run() }
    }

    func stop() async {
        task?.cancel()
        if case .failure(let error)? = await task?.result, !(error is CancellationError) {
            FileHandle.standardError.write(Data("\(label): the runner failed: \(error)\n".utf8))
        }
        task = nil
        runner = nil
    }

    func isQuiescent() async -> Bool {
        guard let runner else { return true }
        // Logins asleep on the clock are attempts waiting for time, not work in progress. Each of them has its connect
        // timeout asleep beside it (untagged), and the watcher's own wait is the one other untagged sleeper: until
        // that sleeper is on the clock, the watcher is not really asleep yet (it registers from a child task).
        let census = clock.census
        let prefix = factory.loginTag("", generation: factory.generation)
        let logins = census.tagged.filter { $0.key.hasPrefix("login.") }
        guard census.untagged == 1 + logins.values.reduce(0, +) else { return false }
        let sleeping = Set(logins.keys.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) })
        return await runner.isSettled(ignoring: sleeping)
    }

    func believedConnected() async throws -> Int {
        try await store?.platforms().count(where: { $0.state == .connected }) ?? 0
    }

    func gaveUp() async throws -> Int {
        try await store?.platforms().count(where: { $0.state == .gaveUp }) ?? 0
    }
}

/// The seed model, restarted as the seed would be: a fresh process with empty memory.
@MainActor
final class SeedSubject: Subject {
    let label = "seed model"
    let platforms: [PlatformConfig]
    let clock: VirtualClock
    let factory: any AdapterMaking
    private var model: SeedModel?
    private var task: Task<Void, Never>?

    init(platforms: [PlatformConfig], clock: VirtualClock, factory: any AdapterMaking) {
        self.platforms = platforms
        self.clock = clock
        self.factory = factory
    }

    func start() async throws {
        let model = SeedModel(platforms: platforms, factory: factory, clock: clock)
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
