import Foundation
import GatewayStore
import Logging
import Testing

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime

/// A gateway running in-process on a temporary database and a manual clock.
final class Harness: Sendable {
    let store: Store
    let clock: ManualClock
    /// The daemon as `gatewayd run` assembles it (no signals, no HTTP listener: tests call ``Daemon/routes()``).
    let daemon: Daemon
    var runner: GatewayRunner { daemon.runner }
    let path: String
    let directory: URL
    let task: Task<Void, any Error>
    let t0: Int64

    /// Parses `yaml`, opens a fresh store and starts `gatewayd run` in a task.
    init(
        _ yaml: String, kinds: [PlatformKind] = PlatformKinds.all, factory: (any AdapterMaking)? = nil,
        sink: (any InboundSink)? = nil, probing: (any ReachabilityProbing)? = nil,
        environment: [String: String] = [:], logger: Logger? = nil, path: String? = nil
    ) async throws {
        directory = FileManager.default.temporaryDirectory.appending(path: "gatewayd-daemon-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.path = path ?? directory.appending(path: "gateway.db").path
        clock = ManualClock()
        t0 = clock.nowMillis()
        let config = try GatewayConfig.parse(yaml: yaml, source: "test.yaml", environment: environment, kinds: kinds)
        store = try Store(path: self.path, clock: clock, random: SplitMix64(seed: 9))
        daemon = Daemon.assemble(
            config: config, store: store,
            parts: DaemonParts(
                clock: clock, kinds: kinds, factory: factory, sink: sink, probing: probing, serveHTTP: false,
                shutdownSignals: []),
            logger: logger ?? Self.quietLogger)
        task = Task { [daemon] in try await daemon.run() }
    }

    /// Warnings and errors only, so test output stays readable.
    static let quietLogger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }()

    deinit {
        task.cancel()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Stops the runner (as a shutdown would) and waits for it.
    func stop() async throws {
        task.cancel()
        _ = await task.result
    }

    func row(_ name: String) async throws -> PlatformRecord {
        try #require(try await store.platform(name))
    }

    /// Waits (real time, bounded) until `condition` holds: the gateway works in background tasks. Not a timing
    /// assertion — the schedule itself runs on the manual clock; the bound only ends a test that would hang, so it
    /// is generous: the whole suite runs its tests concurrently on two cores, beside whatever else loads the machine.
    /// Polls every 10 ms: dozens of tests polling at once are themselves a load.
    func waitUntil(
        _ what: String, timeout: Duration = .seconds(90), sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: () async throws -> Bool
    ) async throws {
        try await GatewayDaemonTests.waitUntil(
            what, timeout: timeout, every: .milliseconds(10), sourceLocation: sourceLocation, condition)
    }

    func waitFor(_ name: String, _ state: PlatformState, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await waitUntil("\(name) is \(state.rawValue)", sourceLocation: sourceLocation) {
            try await store.platform(name)?.state == state
        }
    }

    /// Waits until the watcher is asleep on the clock again with nothing in flight (the gateway has settled).
    func settle(ignoring hung: Set<String> = []) async throws {
        let started = ContinuousClock.now
        do {
            try await waitUntil("the watcher settles") { await runner.isSettled(ignoring: hung) }
            // A slow settle is not a failure (the bound is generous), but it is worth seeing in CI's log: at the start
            // of a full run, every suite starting its servers and child processes at once on two cores, settles took
            // up to 27 s here, and the 30 s bound this had failed the Login pacing tests.
            let took = ContinuousClock.now - started
            if took > .seconds(10) {
                FileHandle.standardError.write(Data("harness: the watcher took \(took) to settle\n".utf8))
            }
        } catch {
            Issue.record("the watcher did not settle: \(await runner.settleReport())")
            throw error
        }
    }

    func kinds(_ name: String) async throws -> [PlatformEvent.Kind] {
        try await store.events(platform: name, limit: 1_000).map(\.kind)
    }
}

