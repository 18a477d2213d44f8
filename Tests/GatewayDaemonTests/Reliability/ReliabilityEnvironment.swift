import Foundation
import GatewayStore

/// Switches and helpers shared by the crash and soak harnesses.
enum ReliabilityEnvironment {
    /// `GATEWAYD_LONG=1` selects the long variants (500 kills, 10,000 cycles).
    static var long: Bool { ProcessInfo.processInfo.environment["GATEWAYD_LONG"] == "1" }

    /// The seed in `variable` (decimal), or a fresh random one. Printed by the caller so a run can be repeated.
    static func seed(from variable: String) -> UInt64 {
        if let text = ProcessInfo.processInfo.environment[variable], let seed = UInt64(text) { return seed }
        var system = SystemRandomNumberGenerator()
        return system.next() >> 1
    }

    /// An integer from the environment, e.g. `GATEWAYD_CRASH_KILLS=50`, else `fallback`.
    static func integer(_ variable: String, default fallback: Int) -> Int {
        ProcessInfo.processInfo.environment[variable].flatMap { Int($0) } ?? fallback
    }

    /// A fresh scratch folder; kept when `GATEWAYD_KEEP=1` (its path is printed), else removed by the caller.
    static func scratch(_ prefix: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appending(path: "\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static var keepScratch: Bool { ProcessInfo.processInfo.environment["GATEWAYD_KEEP"] == "1" }

    /// Wall-clock Unix milliseconds (what the daemon persists).
    static func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}

extension SplitMix64 {
    /// A uniform integer in `range`.
    mutating func pick(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
}
