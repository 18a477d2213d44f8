import GatewayCore
import GatewayRuntime
import GatewayDaemon
import GatewayStore
import Synchronization

/// The one network every simulated platform depends on. While it is down every login fails with `.network` and
/// every live connection drops with `.network` — a shared outage, as when the host loses its uplink or DNS.
final class SharedNetwork: Sendable {
    enum Drop: Sendable { case networkDown, closed }

    private struct State {
        var up = true
        /// Live connections waiting in `run()`, by connection id.
        var waiters: [UInt64: CheckedContinuation<Drop, Never>] = [:]
        /// Connections closed before their `run()` started waiting.
        var closedEarly: Set<UInt64> = []
    }

    private let state = Mutex(State())

    init() {}

    var isUp: Bool { state.withLock { $0.up } }

    /// Takes the network down (every live connection drops) or brings it back.
    func set(up: Bool) {
        let dropped = state.withLock { state -> [CheckedContinuation<Drop, Never>] in
            state.up = up
            guard !up else { return [] }
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in dropped { waiter.resume(returning: .networkDown) }
    }

    /// Waits until connection `id` drops: the network went down, or the connection was closed.
    func awaitDrop(_ id: UInt64) async -> Drop {
        await withCheckedContinuation { (continuation: CheckedContinuation<Drop, Never>) in
            let now = state.withLock { state -> Drop? in
                if state.closedEarly.remove(id) != nil { return .closed }
                if !state.up { return .networkDown }
                state.waiters[id] = continuation
                return nil
            }
            if let now { continuation.resume(returning: now) }
        }
    }

    /// Closes connection `id` (its `awaitDrop` returns `.closed`).
    func close(_ id: UInt64) {
        let waiter = state.withLock { state -> CheckedContinuation<Drop, Never>? in
            if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
            state.closedEarly.insert(id)
            return nil
        }
        waiter?.resume(returning: .closed)
    }
}

/// What the simulated platforms saw: every login started (virtual time), which connections are live, and when each
/// platform last came up. Shared by the subject under test and read by the scenario.
final class LoginRecorder: Sendable {
    private struct State {
        var loginStarts: [Int64] = []
        var live: Set<String> = []
        var connectedAt: [String: [Int64]] = [:]
    }

    private let state = Mutex(State())

    init() {}

    func loginStarted(at millis: Int64) { state.withLock { $0.loginStarts.append(millis) } }

    func connected(_ name: String, at millis: Int64) {
        state.withLock { state in
            state.live.insert(name)
            state.connectedAt[name, default: []].append(millis)
        }
    }

    func dropped(_ name: String) { _ = state.withLock { $0.live.remove(name) } }

    var liveCount: Int { state.withLock { $0.live.count } }

    /// Login start times (virtual ms), in the order they started.
    var loginStarts: [Int64] { state.withLock { $0.loginStarts } }

    /// Logins started in `[from, to)`.
    func logins(from: Int64, to: Int64 = .max) -> Int {
        state.withLock { $0.loginStarts.count(where: { $0 >= from && $0 < to }) }
    }

    /// Each platform's first successful login at or after `millis`.
    func firstConnect(after millis: Int64) -> [String: Int64] {
        state.withLock { state in
            state.connectedAt.compactMapValues { times in times.first(where: { $0 >= millis }) }
        }
    }
}

/// How long a login takes, in virtual time.
struct LoginTiming: Sendable {
    /// A successful login (TCP + TLS + auth + the platform's hello), ms.
    var successMillis: Int64 = 1_000
    /// A login that fails because the network is down (resolver or connect error), ms.
    var failureMillis: Int64 = 100
}

/// Makes `NetworkAdapter`s: the platforms of the outage scenarios, for our daemon and for the seed model alike.
final class NetworkAdapterFactory: AdapterMaking {
    let network: SharedNetwork
    let clock: VirtualClock
    let timing: LoginTiming
    let recorder: LoginRecorder
    private let ids = Mutex<UInt64>(0)
    /// Bumped at each daemon restart: a login still sleeping from before is tagged with its own generation.
    private let generationBox = Mutex<Int>(0)

    init(network: SharedNetwork, clock: VirtualClock, timing: LoginTiming, recorder: LoginRecorder) {
        self.network = network
        self.clock = clock
        self.timing = timing
        self.recorder = recorder
    }

    var generation: Int { generationBox.withLock { $0 } }
    func nextGeneration() { generationBox.withLock { $0 += 1 } }

    /// The clock tag of `platform`'s login in the current generation.
    func loginTag(_ platform: String, generation: Int) -> String { "login.\(generation).\(platform)" }

    func makeAdapter(for platform: PlatformConfig, context: AdapterContext) async throws -> any PlatformAdapter {
        let id = ids.withLock { id -> UInt64 in
            id += 1
            return id
        }
        return NetworkAdapter(name: platform.name, id: id, tag: loginTag(platform.name, generation: generation), factory: self)
    }
}

/// A platform connection that depends only on the shared network: a login takes `LoginTiming` of virtual time and
/// succeeds iff the network is up before and after it; a live connection drops when the network goes down.
final class NetworkAdapter: PlatformAdapter {
    let name: String
    let id: UInt64
    let tag: String
    let factory: NetworkAdapterFactory

    init(name: String, id: UInt64, tag: String, factory: NetworkAdapterFactory) {
        self.name = name
        self.id = id
        self.tag = tag
        self.factory = factory
    }

    func connect() async throws {
        let clock = factory.clock, network = factory.network
        let start = clock.nowMillis()
        factory.recorder.loginStarted(at: start)
        let upAtStart = network.isUp
        let took = upAtStart ? factory.timing.successMillis : factory.timing.failureMillis
        try await clock.sleep(untilMillis: start + took, tag: tag)
        guard upAtStart && network.isUp else {
            throw AdapterError(.network, code: "simulated", message: "network unreachable")
        }
        factory.recorder.connected(name, at: clock.nowMillis())
    }

    func run() async throws {
        let drop = await factory.network.awaitDrop(id)
        factory.recorder.dropped(name)
        if drop == .networkDown {
            throw AdapterError(.network, code: "simulated", message: "connection lost: network down")
        }
    }

    func send(_ message: OutgoingMessage) async throws -> SentMessage {
        throw AdapterError(.network, code: "unsupported", message: "the benchmark's platforms do not send")
    }

    func disconnect() async { factory.network.close(id) }

    func channels() async -> [ChannelEntry] { [] }
}

/// The reachability probe of the outage scenarios: every platform's endpoint is the shared network, and a probe
/// answers at once whether it is up (no virtual time passes: a real probe is a few milliseconds against logins of a
/// second). It never logs in, so it is not counted as one.
final class NetworkProbing: ReachabilityProbing {
    static let endpoint = Endpoint(host: "shared.network", port: 443, tls: true)
    let network: SharedNetwork
    private let count = Mutex(0)

    init(network: SharedNetwork) { self.network = network }

    func endpoint(for platform: PlatformConfig) -> Endpoint? { Self.endpoint }

    func probe(_ endpoint: Endpoint, timeoutMillis: Int64) async -> ProbeResult {
        count.withLock { $0 += 1 }
        return network.isUp ? .reachable : .unreachable(reason: "connect: network down")
    }

    /// Probes made so far.
    var probes: Int { count.withLock { $0 } }
}
