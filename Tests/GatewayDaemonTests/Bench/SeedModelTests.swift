import Foundation
import GatewayCore
import GatewayRuntime
import GatewayDaemon
import GatewayStore
import Testing

// The benchmark's seed model (Sources/gatewayd-bench/Model, linked here as Bench/Model) must reproduce the seed's
// published schedule exactly: these tests pin it on the virtual clock. The benchmark itself never runs here.

/// One model on its own clock and network; `advance` plays virtual time the way the benchmark's driver does.
private struct ModelBench {
    let clock = VirtualClock()
    let network = SharedNetwork()
    let recorder = LoginRecorder()
    let factory: NetworkAdapterFactory
    let t0: Int64

    init() {
        factory = NetworkAdapterFactory(network: network, clock: clock, timing: LoginTiming(), recorder: recorder)
        t0 = clock.nowMillis()
    }

    func model(_ names: [String]) -> SeedModel {
        SeedModel(platforms: names.map { PlatformConfig(name: $0, type: .simulated) }, factory: factory, clock: clock)
    }

    /// Moves the clock deadline by deadline until `t0 + millis`, each time once the model sleeps on the clock.
    func advance(to millis: Int64) async throws {
        while true {
            let start = ContinuousClock.now
            while clock.sleepingTags.isEmpty {
                try #require(ContinuousClock.now - start < .seconds(10), "the model never slept")
                await Task.yield()
            }
            guard let next = clock.nextDeadline, next <= t0 + millis else {
                clock.advance(to: t0 + millis)
                return
            }
            clock.advance(to: next)
        }
    }

    /// Login start times, relative to t0.
    var logins: [Int64] { recorder.loginStarts.map { $0 - t0 } }
}

@Suite("Seed model (benchmark)")
struct SeedModelTests {
    @Test("a platform that never comes back: 30, 60, 120, 240, 300 s … on the 10 s tick, then given up after 20 attempts")
    func scheduleAndGiveUp() async throws {
        let bench = ModelBench()
        bench.network.set(up: false)
        let model = bench.model(["p"])
        let task = Task { await model.run() }
        try await bench.advance(to: 3 * 3_600_000)
        let attempts = await model.attempts
        #expect(bench.logins.count == 20, "1 startup connect + attempts 2…20")
        #expect(attempts.map(\.attempt) == Array(2...20))
        #expect(attempts.first?.dueAt == bench.t0 + 100 + 30_000, "first retry 30 s after the failed startup connect")
        for (previous, next) in zip(attempts, attempts.dropFirst()) {
            // Scheduled from the end of the failed attempt (100 ms login), no jitter.
            #expect(next.dueAt == previous.startedAt + 100 + SeedModel.Rules().backoff(afterAttempt: previous.attempt))
        }
        for attempt in attempts {
            #expect((0..<10_000).contains(attempt.startedAt - attempt.dueAt), "picked up by the next 10 s pass")
        }
        #expect(SeedModel.Rules().backoff(afterAttempt: 1) == 30_000 && SeedModel.Rules().backoff(afterAttempt: 5) == 300_000)
        #expect(await model.gaveUp == ["p"])
        #expect(await model.queuedCount == 0)
        task.cancel()
        await task.value
    }

    @Test("connects one platform after another; the watcher's 10 s starts after the startup connects")
    func sequentialPasses() async throws {
        let bench = ModelBench()
        bench.network.set(up: false)
        let model = bench.model(["a", "b", "c"])
        let task = Task { await model.run() }
        try await bench.advance(to: 100_000)
        // Startup: back to back, 100 ms each, until 0.3 s. Passes every 10 s from 10.3 s: at 30.3 s all three are due
        // (30.1, 30.2, 30.3 s) and are tried in a row; each then waits 60 s from its own failure (90.4, 90.5, 90.6 s),
        // so the pass at 90.6 s tries all three again, one after another.
        #expect(bench.logins == [0, 100, 200, 30_300, 30_400, 30_500, 90_600, 90_700, 90_800])
        task.cancel()
        await task.value
    }

    @Test("a dropped connection is queued with 0 attempts and retried at the first pass 30 s later")
    func runtimeDrop() async throws {
        let bench = ModelBench()
        let model = bench.model(["p"])
        let task = Task { await model.run() }
        try await bench.advance(to: 50_000)
        #expect(await model.connectedCount == 1)
        bench.network.set(up: false)
        while await model.connectedCount > 0 { await Task.yield() }
        try await bench.advance(to: 100_000)
        let attempts = await model.attempts
        // Connected at 1 s; the watcher idles in 30 s steps from 11 s (41, 71, …); the drop at 50 s is due at 80 s.
        #expect(attempts.first?.attempt == 1)
        #expect(attempts.first?.dueAt == bench.t0 + 80_000)
        #expect(attempts.first?.startedAt == bench.t0 + 81_000)
        task.cancel()
        await task.value
    }

    @Test("a restart forgets the queue: attempts count from 1 again")
    func restartForgets() async throws {
        let bench = ModelBench()
        bench.network.set(up: false)
        let first = bench.model(["p"])
        let firstTask = Task { await first.run() }
        try await bench.advance(to: 200_000)
        #expect(await first.attempts.last?.attempt == 3)
        firstTask.cancel()
        await firstTask.value
        await first.shutdown()

        let second = bench.model(["p"])
        let secondTask = Task { await second.run() }
        try await bench.advance(to: 240_000)
        #expect(bench.logins.filter { $0 >= 200_000 }.first == 200_000, "startup connects at once")
        #expect(await second.attempts.first?.attempt == 2, "the failed startup connect was attempt 1")
        secondTask.cancel()
        await secondTask.value
    }
}
