import GatewayCore
import GatewayRuntime
import Foundation
import GatewayDaemon
import GatewayStore

/// A shared outage on the virtual clock: N platforms come up, stay up past the stable period, lose the network
/// together for a while (optionally with daemon restarts during it), and get it back. The same run yields MTTR,
/// logins spent, attempts per second (thundering herd) and give-ups.
struct OutageSpec: Sendable {
    var platforms: Int
    var outageMillis: Int64
    /// Restart times, as offsets from the start of the outage.
    var restartsAtMillis: [Int64] = []
    /// Our daemon's reconnect policy (the seed model has its own fixed rules).
    var policy = BackoffPolicy()
    var timing = LoginTiming()
    /// How long after the network returns the run waits for every platform to be back.
    var recoveryLimitMillis: Int64 = 60 * 60_000
}

struct OutageResult: Sendable {
    var subject: String
    var spec: OutageSpec
    /// Time from the network's return to each platform's first successful login, ms.
    var recoveries: [Int64]
    var notRecovered: Int
    var gaveUpAtReturn: Int
    var loginsDuringOutage: Int
    var loginsAfterReturn: Int
    /// The busiest virtual second of logins, from the outage's start to the end of the run.
    var peakLoginsPerSecond: Int
    /// Ours only: the largest due → claim lag in virtual time; 0 in a valid run.
    var virtualLagMillis: Int64?
    var wallSeconds: Double

    var loginsPerPlatformHour: Double {
        Double(loginsDuringOutage) / Double(spec.platforms) / (Double(spec.outageMillis) / 3_600_000)
    }
}

@MainActor
enum OutageScenario {
    enum Which: String, Sendable { case ours, seed, hermes }

    static func platformConfigs(_ count: Int, policy: BackoffPolicy) -> [PlatformConfig] {
        (0..<count).map { PlatformConfig(name: String(format: "p%05d", $0), type: .simulated, policy: policy) }
    }

    /// Runs `spec` against one subject, on its own clock, network and database.
    static func run(_ which: Which, _ spec: OutageSpec, label: String? = nil, directory: URL) async throws -> OutageResult {
        let started = ContinuousClock.now
        let clock = VirtualClock()
        let network = SharedNetwork()
        let recorder = LoginRecorder()
        let factory = NetworkAdapterFactory(network: network, clock: clock, timing: spec.timing, recorder: recorder)
        let configs = platformConfigs(spec.platforms, policy: spec.policy)
        let dbPath = directory.appending(path: "outage-\(UUID().uuidString).db").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dbPath + suffix) }
        }
        let subject: any Subject = switch which {
        case .ours:
            OursSubject(
                label: label ?? "ours", config: GatewayConfig(reconnect: spec.policy, whenAllFailed: .stay, platforms: configs),
                path: dbPath, clock: clock, factory: factory)
        case .seed:
            SeedSubject(platforms: configs, clock: clock, factory: factory)
        case .hermes:
            SeedSubject(platforms: configs, clock: clock, factory: factory, rules: .hermesToday, label: "hermes today (model)")
        }
        let driver = Driver(clock: clock, subject: subject)
        let n = spec.platforms

        // Up, and stable (our daemon forgives the startup attempt after its 10 min stable period).
        try await subject.start()
        let allUp = try await driver.run(until: clock.nowMillis() + 6 * 3_600_000) { recorder.liveCount == n }
        guard allUp else { throw Driver.Stuck(description: "\(subject.label): only \(recorder.liveCount)/\(n) came up") }
        try await driver.run(until: clock.nowMillis() + 11 * 60_000)

        // The outage.
        let down = clock.nowMillis()
        network.set(up: false)
        try await driver.waitUntil("every drop is recorded") { try await subject.believedConnected() == 0 }
        // The last drop nudges the watcher just after it is recorded: give that nudge a moment (real time).
        try await Task.sleep(for: .milliseconds(50))
        try await driver.settle()
        for offset in spec.restartsAtMillis.sorted() where offset < spec.outageMillis {
            try await driver.run(until: down + offset)
            await subject.stop()
            try await subject.start()
            try await driver.settle()
        }
        try await driver.run(until: down + spec.outageMillis)
        let up = clock.nowMillis()
        let gaveUp = try await subject.gaveUp()
        network.set(up: true)
        try await driver.run(until: up + spec.recoveryLimitMillis) { recorder.liveCount == n }
        let end = clock.nowMillis()
        await subject.stop()
        let virtualLag = try (subject as? OursSubject)?.maxVirtualLag()

        let back = recorder.firstConnect(after: up)
        let starts = recorder.loginStarts.filter { $0 >= down }
        var perSecond: [Int64: Int] = [:]
        for start in starts { perSecond[(start - down) / 1_000, default: 0] += 1 }
        return OutageResult(
            subject: subject.label, spec: spec, recoveries: back.values.map { $0 - up }.sorted(),
            notRecovered: n - back.count, gaveUpAtReturn: gaveUp,
            loginsDuringOutage: recorder.logins(from: down, to: up), loginsAfterReturn: recorder.logins(from: up, to: end + 1),
            peakLoginsPerSecond: perSecond.values.max() ?? 0, virtualLagMillis: virtualLag,
            wallSeconds: (ContinuousClock.now - started).seconds)
    }
}
