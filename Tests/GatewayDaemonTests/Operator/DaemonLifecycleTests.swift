import Foundation
import GatewayStore
import Logging
import Synchronization
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime

/// The daemon as one `ServiceGroup`: a graceful shutdown stops every part, closes and records the connections and
/// releases the lease — also one that comes while the daemon is still starting.
@Suite("Daemon lifecycle")
struct DaemonLifecycleTests {
    static let yaml = """
        reconnect: { base: 30s, jitter: 0 }
        when_all_failed: stay
        platforms:
          up: { type: simulated, script: "connect" }
          down: { type: simulated, script: "fail network" }
        """

    static func assemble(path: String, clock: ManualClock, factory: any AdapterMaking = AdapterFactory()) throws -> Daemon {
        let config = try GatewayConfig.parse(yaml: yaml, source: "test.yaml", environment: [:])
        let store = try Store(path: path, clock: clock, random: SplitMix64(seed: 3))
        return Daemon.assemble(
            config: config, store: store,
            parts: DaemonParts(clock: clock, factory: factory, serveHTTP: false, shutdownSignals: []),
            logger: Harness.quietLogger)
    }

    static func temporaryPath() throws -> (URL, String) {
        let dir = FileManager.default.temporaryDirectory.appending(path: "gatewayd-life-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return (dir, dir.appending(path: "gateway.db").path)
    }

    @Test("a graceful shutdown ends every service: connections recorded as closed, lease released, run() returns")
    func gracefulShutdown() async throws {
        let (dir, path) = try Self.temporaryPath()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = ManualClock()
        let daemon = try Self.assemble(path: path, clock: clock)
        try await testGracefulShutdown { trigger in
            let running = Task { try await daemon.run() }
            try await waitUntil("up is connected") { try await daemon.store.platform("up")?.state == .connected }
            #expect(daemon.readiness.isReady)
            trigger.triggerGracefulShutdown()
            try await running.value
        }
        #expect(daemon.runner.outcome == .stopped)
        #expect(!daemon.readiness.isReady)
        #expect(try await daemon.store.daemonLease() == nil, "lease released")
        let states = try await daemon.store.platforms().map(\.state)
        #expect(!states.contains(.connected) && !states.contains(.connecting), "\(states)")
    }

    @Test("a shutdown before the daemon is ready: it stops without a single attempt, the lease released")
    func shutdownWhileStarting() async throws {
        let (dir, path) = try Self.temporaryPath()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = ManualClock()
        let counting = CountingFactory()
        let daemon = try Self.assemble(path: path, clock: clock, factory: counting)
        try await testGracefulShutdown { trigger in
            trigger.triggerGracefulShutdown()  // before run(): as a SIGTERM trapped while the config was loading
            try await daemon.run()
        }
        #expect(daemon.runner.outcome == .stopped)
        #expect(counting.made == 0, "no attempt started")
        #expect(try await daemon.store.daemonLease() == nil)
    }
}

/// Counts the adapters made (each attempt makes one).
final class CountingFactory: AdapterMaking {
    private let inner = AdapterFactory()
    private let count = Mutex(0)
    var made: Int { count.withLock { $0 } }

    func makeAdapter(for platform: PlatformConfig, context: AdapterContext) async throws -> any PlatformAdapter {
        count.withLock { $0 += 1 }
        return try await inner.makeAdapter(for: platform, context: context)
    }
}
