import Foundation

/// One look at a running process through /proc (Linux): resident memory and open file descriptors.
struct ProcessSample: Equatable {
    /// Seconds since the harness started the process.
    var seconds: Double
    /// Connect/drop cycles completed so far.
    var cycles: Int
    /// `VmRSS` from /proc/PID/status, in KiB.
    var rssKiB: Int
    /// Entries in /proc/PID/fd.
    var fds: Int

    /// Reads /proc/`pid`; nil when the process is gone (or this is not Linux).
    static func read(pid: Int32, seconds: Double, cycles: Int) -> ProcessSample? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kib = Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? ""),
              let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")
        else { return nil }
        return ProcessSample(seconds: seconds, cycles: cycles, rssKiB: kib, fds: fds.count)
    }
}

/// The shape of a series of samples after warm-up, and whether it is flat within the stated tolerance.
struct ResourceTrend: Equatable {
    var rssStartKiB: Int
    var rssEndKiB: Int
    var rssMaxKiB: Int
    var fdStart: Int
    var fdEnd: Int
    var fdMax: Int
    /// Median RSS of the first and of the last quarter of the post-warm-up samples.
    var rssEarlyMedianKiB: Int
    var rssLateMedianKiB: Int

    /// RSS may grow by at most this much from the early to the late quarter, and FDs by at most `fdSlack`.
    struct Tolerance: Equatable {
        var rssGrowthKiB: Int
        var fdSlack: Int
    }

    /// `samples` after the warm-up (the caller drops the warm-up ones); nil when there are too few to judge.
    init?(_ samples: [ProcessSample]) {
        guard samples.count >= 8, let first = samples.first, let last = samples.last else { return nil }
        let quarter = samples.count / 4
        func median(_ slice: ArraySlice<ProcessSample>) -> Int {
            let sorted = slice.map(\.rssKiB).sorted()
            return sorted[sorted.count / 2]
        }
        rssStartKiB = first.rssKiB
        rssEndKiB = last.rssKiB
        rssMaxKiB = samples.map(\.rssKiB).max() ?? 0
        fdStart = first.fds
        fdEnd = last.fds
        fdMax = samples.map(\.fds).max() ?? 0
        rssEarlyMedianKiB = median(samples.prefix(quarter))
        rssLateMedianKiB = median(samples.suffix(quarter))
    }

    /// What breaks the tolerance (empty when flat).
    func problems(_ tolerance: Tolerance) -> [String] {
        var found: [String] = []
        if rssLateMedianKiB - rssEarlyMedianKiB > tolerance.rssGrowthKiB {
            found.append("RSS grew from a median \(rssEarlyMedianKiB) KiB to \(rssLateMedianKiB) KiB after warm-up (tolerance +\(tolerance.rssGrowthKiB) KiB)")
        }
        if fdMax - fdStart > tolerance.fdSlack || fdEnd - fdStart > tolerance.fdSlack {
            found.append("open FDs went from \(fdStart) to max \(fdMax), end \(fdEnd) after warm-up (tolerance +\(tolerance.fdSlack))")
        }
        return found
    }
}
