import CMallocStats
import Foundation
import Synchronization
import Testing

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime

/// The real clock's sleeps, and the leak the soak found: every nudge of a `WakeSignal` cancels the waiter's sleep,
/// and with `Task.sleep` a cancelled sleep kept its memory until its deadline — for the outbox flusher, which sleeps
/// "until `Int64.max`" between nudges, for ever (RSS grew ~30 bytes per connect/drop cycle; RELIABILITY.md, "Soak").
@Suite("Supervision: the real clock's sleeps")
struct CancelledSleepTests {
    let clock = SystemGatewayClock()

    @Test("a sleep ends at its deadline; a past deadline returns at once")
    func sleepEnds() async throws {
        let deadline = clock.nowMillis() + 20
        try await clock.sleep(untilMillis: deadline)
        #expect(clock.nowMillis() >= deadline)
        try await clock.sleep(untilMillis: clock.nowMillis() - 1_000)
        try await clock.sleep(untilMillis: .min)
    }

    @Test("cancelling a sleep until forever ends it with CancellationError, before or after it started")
    func cancelEndsSleep() async throws {
        let started = Task { [clock] in
            do {
                try await clock.sleep(untilMillis: .max)
                return false
            } catch { return error is CancellationError }
        }
        try await Task.sleep(for: .milliseconds(20))
        started.cancel()
        #expect(await started.value)

        let cancelledFirst = Task { [clock] in
            withUnsafeCurrentTask { $0?.cancel() }
            do {
                try await clock.sleep(untilMillis: .max)
                return false
            } catch { return error is CancellationError }
        }
        #expect(await cancelledFirst.value)
    }

    /// What the daemon does all day: every nudge of a `WakeSignal` cancels its waiter's sleep, and the outbox flusher
    /// sleeps "until `Int64.max`" between nudges. Batches of 5,000 such sleeps are started, let fall asleep and
    /// cancelled, and what malloc has in use is compared before and after each batch. Each cancelled sleep throws,
    /// and Swift Testing keeps a backtrace of every thrown error (~1.4 KB each here), so control batches that only
    /// throw a `CancellationError` from a continuation are measured alike and subtracted. Measured above the control:
    /// ~1,550 bytes a sleep with `Task.sleep` (it kept each cancelled sleep's wake-up job for good), ~110 with
    /// `TimerSleep` (bookkeeping of the extra throw); the median of three batches must stay under 512.
    ///
    /// malloc's count is process-wide, so the measurement runs in a child process of its own (an exit test): in the
    /// test process, suites running in parallel allocate too and made it fail now and then.
    @Test("5,000 sleeps until forever, cancelled, keep no memory (measured alone, in a child process)")
    func cancelledSleepsKeepNoMemory() async {
        let result = await #expect(processExitsWith: .success, observing: [\.standardErrorContent], "at most 512 bytes kept per cancelled sleep") {
            let count = 5_000
            let (sleeping, control) = await CancelledSleepTests.measure(count: count)
            let extra = sleeping.sorted()[1] - control.sorted()[1]
            guard extra < count * 512 else {
                FileHandle.standardError.write(Data(
                    "malloc in use grew by \(sleeping) bytes in batches of \(count) cancelled sleeps, \(control) in the control batches\n".utf8))
                exit(1)
            }
        }
        if let result, result.exitStatus != .exitCode(0) {
            Issue.record("\(String(decoding: result.standardErrorContent, as: UTF8.self))")
        }
    }

    /// Three measured batches of each kind, after one warm-up batch of each (caches and arenas).
    static func measure(count: Int) async -> (sleeping: [Int], control: [Int]) {
        let clock = SystemGatewayClock()
        var sleeping: [Int] = []
        var control: [Int] = []
        _ = await batch(count, sleep: true, clock: clock)
        _ = await batch(count, sleep: false, clock: clock)
        for _ in 0..<3 {
            sleeping.append(await batch(count, sleep: true, clock: clock))
            control.append(await batch(count, sleep: false, clock: clock))
        }
        return (sleeping, control)
    }

    /// Runs `count` tasks that each go to sleep until forever and are cancelled (or, for the control, only throw a
    /// `CancellationError`); returns how much more malloc has in use afterwards.
    private static func batch(_ count: Int, sleep: Bool, clock: SystemGatewayClock) async -> Int {
        let before = Int(gatewayd_malloc_in_use())
        let started = Counter()
        let tasks = (0..<count).map { _ in
            Task.detached {
                started.increment()
                if sleep {
                    try? await clock.sleep(untilMillis: .max)
                } else {
                    try? await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                        continuation.resume(throwing: CancellationError())
                    }
                }
            }
        }
        // Bounded wait until every task has started, then a moment for the sleeps to be armed.
        let giveUp = ContinuousClock.now + .seconds(60)
        while started.value < count, ContinuousClock.now < giveUp { try? await Task.sleep(for: .milliseconds(5)) }
        try? await Task.sleep(for: .milliseconds(100))
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        return Int(gatewayd_malloc_in_use()) - before
    }
}

private final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}
