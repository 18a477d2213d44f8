import Foundation
import Testing

/// Issue #7, item 5: connect/drop cycles across 50 simulated platforms, run by one real `gatewayd run`: memory and
/// file descriptors stay flat after warm-up, and the event history stays within its bound (1,000 per platform,
/// `StoreSettings.eventsPerPlatform`). 1,000 cycles in the normal run; 10,000 with `GATEWAYD_LONG=1`
/// (`GATEWAYD_SOAK_CYCLES=N` for any other count). RELIABILITY.md ("Soak") has the measured runs.
@Suite("Reliability: soak", .serialized)
struct SoakTests {
    /// RSS may grow by at most 8 MiB from the first to the last quarter after warm-up (medians, so one allocator
    /// spike does not count): well above glibc's arenas and SQLite's page cache settling (measured 0.4–1.2 MiB
    /// between those medians, RELIABILITY.md), well below what a leak of 1 KiB per cycle makes in the long run (~10 MiB). The short run
    /// can only catch gross leaks (≥ ~8 KiB per cycle). FDs: the simulated platforms open none, so at most 4 more
    /// than after warm-up (the database, its WAL and SHM are open from the start).
    static let tolerance = ResourceTrend.Tolerance(rssGrowthKiB: 8 * 1_024, fdSlack: 4)

    @Test("connect/drop cycles across 50 platforms: RSS and FDs flat after warm-up, events within their bound")
    func soak() async throws {
        let binary = try #require(builtGatewayd(), "build the gatewayd product first")
        let long = ReliabilityEnvironment.long
        let cycles = ReliabilityEnvironment.integer("GATEWAYD_SOAK_CYCLES", default: long ? 10_000 : 1_000)
        let dir = try ReliabilityEnvironment.scratch("gatewayd-soak")
        defer {
            if ReliabilityEnvironment.keepScratch { print("soak: kept \(dir.path)") } else { try? FileManager.default.removeItem(at: dir) }
        }
        // A bound for a stuck daemon, not a timing claim: ~800 cycles/s here, so allow 100 per second and at least 180 s.
        let timeout = Duration.seconds(max(long ? 1_800 : 180, cycles / 100))
        let harness = SoakHarness(binary: binary, dir: dir, settings: .init(cycles: cycles, timeout: timeout))
        let report = try await harness.run()

        #expect(report.cycles >= cycles, "only \(report.cycles) of \(cycles) cycles in \(Int(report.seconds)) s\n\(report.logTail)")
        #expect(report.exitStatus == 0, "SIGTERM: exit \(report.exitStatus)\n\(report.logTail)")
        #expect(report.integrity == ["ok"])
        #expect(report.maxEventsPerPlatform <= 1_000, "a platform had \(report.maxEventsPerPlatform) events")
        #expect(report.maxEventsTotal <= 50 * 1_000)
        if report.cycles >= 50 * 200 {
            // 200 cycles of 6 events each per platform: the bound must have been reached and held.
            #expect(report.maxEventsPerPlatform == 1_000, "the pruning bound was never reached")
        }
        // Warm-up: the first 20 % of the cycles (tables and caches filling, the allocator settling).
        let afterWarmUp = report.samples.filter { $0.cycles >= harness.settings.warmUpCycles }
        let trend = try #require(ResourceTrend(afterWarmUp), "too few samples after warm-up (\(afterWarmUp.count))")
        print(report.summary(trend: trend, cycles: cycles))
        #expect(trend.problems(Self.tolerance) == [])
    }
}

extension SoakHarness.Report {
    func summary(trend: ResourceTrend, cycles target: Int) -> String {
        let all = samples
        return """
            soak: \(cycles) connect/drop cycles (target \(target)) across 50 platforms in \(String(format: "%.1f", seconds)) s \
            (\(Int(Double(cycles) / max(seconds, 0.001))) cycles/s), \(all.count) samples
              RSS KiB: first \(all.first?.rssKiB ?? 0), after warm-up \(trend.rssStartKiB), end \(trend.rssEndKiB), max \(all.map(\.rssKiB).max() ?? 0); \
            medians early/late \(trend.rssEarlyMedianKiB)/\(trend.rssLateMedianKiB)
              FDs: first \(all.first?.fds ?? 0), after warm-up \(trend.fdStart), end \(trend.fdEnd), max \(all.map(\.fds).max() ?? 0)
              events: \(eventsAtEnd) at the end, at most \(maxEventsPerPlatform) per platform and \(maxEventsTotal) in all at any sample
            """
    }
}
