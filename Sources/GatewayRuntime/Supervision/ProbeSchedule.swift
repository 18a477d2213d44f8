import GatewayCore

/// When each endpoint is probed next, and what its last probe saw: the watcher's bookkeeping for the reachability
/// probe (pure; the watcher asks the store which endpoints have platforms waiting and runs the probes).
///
/// Rules: an endpoint is probed only while a platform of it waits after a network-class failure — at once when
/// one starts waiting, then every interval (jittered) — with at most one probe in flight. It "came back" when a
/// probe succeeds after one that failed during the same wait; a first probe that succeeds says nothing (the
/// failure was not one the network path explains), so it pulls nothing forward. A probe that found the endpoint
/// reachable has nothing new to tell until one fails again, so the next waits `reachableSlowdown` intervals: the
/// fast cadence is spent only while the endpoint is unreachable, where it decides how soon a return is seen.
struct ProbeSchedule {
    struct Target: Sendable, Equatable {
        var endpoint: Endpoint
        var intervalMillis: Int64
    }

    private struct Entry {
        /// Nil: not probing (nothing waits), checked again at each turn.
        var nextAt: Int64?
        var inFlight = false
        /// What the last probe of the current wait saw (nil: none yet).
        var lastReachable: Bool?
    }

    let targets: [String: Target]
    private var entries: [String: Entry] = [:]
    /// ±fraction applied to each interval.
    let jitter: Double
    /// How many intervals the next probe waits after one that found the endpoint reachable.
    static let reachableSlowdown: Int64 = 10

    init(targets: [String: Target], jitter: Double = 0.2) {
        self.targets = targets
        self.jitter = jitter
    }

    /// Endpoints that may need a probe now: not in flight, and either not probing yet or due, sorted.
    func candidates(now: Int64) -> [String] {
        targets.keys.filter { key in
            let entry = entries[key] ?? Entry()
            return !entry.inFlight && (entry.nextAt.map { $0 <= now } ?? true)
        }.sorted()
    }

    /// Nothing of `key` waits after a network failure (any more): stop probing it and forget what probes saw.
    mutating func idle(_ key: String) { entries[key] = nil }

    mutating func started(_ key: String) { entries[key, default: Entry()].inFlight = true }

    /// Records a finished probe; returns whether the endpoint came back (failed before, reachable now).
    mutating func finished(_ key: String, reachable: Bool, now: Int64, random: inout some RandomNumberGenerator) -> Bool {
        var entry = entries[key] ?? Entry()
        let cameBack = reachable && entry.lastReachable == false
        entry.inFlight = false
        entry.lastReachable = reachable
        let interval = (targets[key]?.intervalMillis ?? BackoffPolicy.standard.probeIntervalMillis ?? 1_000)
            * (reachable ? Self.reachableSlowdown : 1)
        let scale = jitter > 0 ? Double.random(in: (1 - jitter)...(1 + jitter), using: &random) : 1
        entry.nextAt = now + max(1, Int64((Double(interval) * scale).rounded()))
        entries[key] = entry
        return cameBack
    }

    /// The next probe due, among endpoints being probed (nil: none).
    var nextWake: Int64? { entries.values.compactMap { $0.inFlight ? nil : $0.nextAt }.min() }

    var anyInFlight: Bool { entries.values.contains { $0.inFlight } }
}
