import Foundation
import Testing

/// Issue #7, item 1: the real `gatewayd run`, SIGKILLed at seeded random moments and restarted, 30 times (500 with
/// `GATEWAYD_LONG=1`; `GATEWAYD_CRASH_KILLS=N` for any other count). `GATEWAYD_CRASH_SEED=<n>` repeats a schedule;
/// the seed is printed. RELIABILITY.md ("Crash consistency") lists what is checked and the measured runs.
@Suite("Reliability: crash consistency", .serialized)
struct CrashConsistencyTests {
    @Test("SIGKILL at random moments, restart: file, schedule, history and messages stay consistent")
    func crashLoop() async throws {
        let binary = try #require(builtGatewayd(), "build the gatewayd product first")
        let kills = ReliabilityEnvironment.integer("GATEWAYD_CRASH_KILLS", default: ReliabilityEnvironment.long ? 500 : 30)
        let seed = ReliabilityEnvironment.seed(from: "GATEWAYD_CRASH_SEED")
        print("crash harness: seed \(seed), \(kills) kills — repeat with GATEWAYD_CRASH_SEED=\(seed)")
        let dir = try ReliabilityEnvironment.scratch("gatewayd-crash")
        defer {
            if ReliabilityEnvironment.keepScratch { print("crash harness: kept \(dir.path)") } else { try? FileManager.default.removeItem(at: dir) }
        }
        let harness = CrashHarness(binary: binary, dir: dir, settings: .init(kills: kills, seed: seed))
        let report = try await harness.run()
        print(report.summary(seed: seed))
        if !report.violations.isEmpty {
            let file = dir.appending(path: "violations.txt")
            try? report.violations.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
            print("crash harness: all \(report.violations.count) violations in \(file.path) (GATEWAYD_KEEP=1 keeps it)")
        }

        #expect(report.faults["server restart failed"] == nil, "the harness could not reopen the local Telegram server's port")
        #expect(report.kills == kills)
        #expect(report.exitedByThemselves.isEmpty, "\(report.exitedByThemselves)\n\(harness.logTail)")
        #expect(report.violations.isEmpty, "seed \(seed):\n\(report.violations.prefix(30).joined(separator: "\n"))\n\(harness.logTail)")
        // The run exercised what it checks (a harness that never met a connecting row would prove nothing).
        #expect(report.ledger.interruptedCounted > 0, "no kill landed during an attempt")
        #expect(report.ledger.retriesHonoured > 0, "no kill left a queued row to honour")
        #expect(report.ledger.attemptsStarted > kills)
        #expect(report.killedBeforeSchema < kills / 2, "most kills must land after a start committed its rows")
        #expect(report.outbound.sent > 0 && report.outbound.failedBlocked > 0 && report.inbound.stored > 0)
    }
}

extension CrashHarness.Report {
    func summary(seed: UInt64) -> String {
        let faultText = faults.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
        return """
            crash harness: seed \(seed): \(kills) SIGKILLs (\(killedBeforeSchema) before the first start had committed), \(Int(seconds)) s
              history: \(ledger.events) events checked, \(ledger.attemptsStarted) attempts started (latest \(ledger.maxLatenessMillis) ms after due), \
            \(ledger.interruptedCounted) interrupted attempts counted, \(ledger.retriesHonoured) persisted retries honoured \
            (\(ledger.retriesMovedForward) legitimately pulled forward), \(ledger.streakResets) streak resets verified
              outbox: \(outbound.enqueued) enqueued, \(outbound.sent) sent, \(outbound.failedBlocked) failed (blocked); \
            duplicates at the platform: simulated \(outbound.simulatedDuplicates), telegram \(outbound.telegramDuplicates)
              inbox: \(inbound.enqueued) updates sent by the server, \(inbound.stored) stored; the clean run drained in \(String(format: "%.1f", drainSeconds)) s
              telegram faults: \(faultText)
              violations: \(violations.count)
            """
    }
}
