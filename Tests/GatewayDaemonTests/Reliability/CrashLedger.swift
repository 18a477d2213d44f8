import Foundation

/// Follows one database through a series of SIGKILLs and restarts and checks the crash-consistency invariants
/// against the persisted rows and the event history. Pure: the harness feeds it what `DatabaseProbe` read, so each
/// rule can also be fed a made-up history in a unit test (`CrashLedgerTests`) to show it can fail.
///
/// The rules (RELIABILITY.md, "Crash consistency"):
/// - the `platforms` rows are exactly the configured set (none lost, none duplicated);
/// - the history is a chain: each event starts in the state the previous one of its platform ended in;
/// - `attempts` grows only by an `attempt_started`, by exactly 1; it shrinks only through `stable`, an operator
///   `reset`, `enabled`/`credentials_changed`, a drop or restart after the stable period (checked against the
///   `connected` event's time), or — only in a graceful stop — an attempt the stop itself cut short;
/// - a row `backing_off` when killed has no attempt before its persisted `next_retry_at` (unless the history shows
///   it was legitimately moved forward: pulled forward, retry now, reset) and never before its `not_before`; the
///   `attempt_started` detail ("due N ms ago") is never negative;
/// - a row `connecting` when killed is counted after the restart: its first event is `interrupted` from
///   `connecting` with the same attempt count — or `exhausted`/`gave_up` if that was the last attempt allowed —
///   (the next `attempt_started` then has one more, by the rule above);
/// - when no daemon runs, every row equals what its last event says (state and attempts).
struct CrashLedger {
    /// The configured platforms and each one's stable period (ms).
    let stablePeriods: [String: Int64]
    private(set) var violations: [String] = []
    private(set) var lastEventID: Int64 = 0
    private(set) var stats = Stats()

    struct Stats: Equatable {
        var events = 0
        var attemptsStarted = 0
        var interruptedCounted = 0
        var retriesHonoured = 0
        var retriesMovedForward = 0
        var streakResets = 0
        /// The largest "due N ms ago" seen: how late an attempt started after its due time.
        var maxLatenessMillis: Int64 = 0
    }

    private var lastState: [String: String] = [:]
    /// Whether any platform row has been seen yet (a daemon's first reconcile committed).
    var hasSeenRows: Bool { !lastState.isEmpty }
    private var lastAttempts: [String: Int] = [:]
    private var lastConnectedAt: [String: Int64] = [:]
    private var expectRetry: [String: (nextRetryAt: Int64, notBefore: Int64?, movedForward: Bool, label: String)] = [:]
    private var expectInterrupted: [String: (attempts: Int, label: String)] = [:]

    init(stablePeriods: [String: Int64]) { self.stablePeriods = stablePeriods }

    mutating func fail(_ text: String) { violations.append(text) }

    // MARK: - The history

    /// Checks the events written since the last call (oldest first). `gracefulStop`: the run ended with SIGTERM, so
    /// the "stopped during the attempt; not counted" transition is legitimate.
    mutating func absorb(_ events: [EventRow], gracefulStop: Bool = false) {
        for event in events {
            absorb(event, gracefulStop: gracefulStop)
            lastEventID = max(lastEventID, event.id)
        }
    }

    private mutating func absorb(_ e: EventRow, gracefulStop: Bool) {
        stats.events += 1
        let p = e.platform
        let label = "\(p) event #\(e.id) \(e.kind)"
        if let from = e.fromState, let previous = lastState[p], from != previous {
            fail("\(label): starts in \(from) but the previous event ended in \(previous)")
        }
        if e.kind == "attempt_started" {
            stats.attemptsStarted += 1
            if let late = Self.lateness(e.detail) {
                if late < 0 { fail("\(label): started \(-late) ms before it was due") }
                stats.maxLatenessMillis = max(stats.maxLatenessMillis, late)
            } else {
                fail("\(label): no 'due N ms ago' in '\(e.detail ?? "")'")
            }
        }
        if let attempt = e.attempt, let previous = lastAttempts[p] {
            checkAttempts(e, attempt: attempt, previous: previous, gracefulStop: gracefulStop, label: label)
        }
        if let expected = expectInterrupted[p], e.kind != "credentials_changed", e.kind != "clock_adjusted" {
            expectInterrupted[p] = nil
            // The interruption is a failed attempt: `interrupted`, or `exhausted` / `gave_up` when it was the last
            // one the policy allows (the detail then says it was interrupted).
            let counted = e.kind == "interrupted"
                || (["exhausted", "gave_up"].contains(e.kind) && (e.detail ?? "").contains("interrupted"))
            if counted && e.fromState == "connecting" && e.attempt == expected.attempts {
                stats.interruptedCounted += 1
            } else {
                fail("\(label): \(p) was connecting (attempt \(expected.attempts)) when \(expected.label); the first event after the restart must be 'interrupted' from connecting with attempt \(expected.attempts), got \(e.kind) from \(e.fromState ?? "-") attempt \(e.attempt.map(String.init) ?? "-")")
            }
        }
        if var expected = expectRetry[p] {
            if ["pulled_forward", "retry_now", "reset", "enabled", "resumed"].contains(e.kind) {
                expected.movedForward = true
                expectRetry[p] = expected
            } else if e.kind == "attempt_started" {
                expectRetry[p] = nil
                let due = e.at - (Self.lateness(e.detail) ?? 0)
                if let notBefore = expected.notBefore, e.at < notBefore {
                    fail("\(label): started at \(e.at), before the server's not_before \(notBefore) persisted when \(expected.label)")
                }
                if expected.movedForward {
                    stats.retriesMovedForward += 1
                } else if e.at < expected.nextRetryAt || due < expected.nextRetryAt {
                    fail("\(label): started at \(e.at) (due \(due)), before the next_retry_at \(expected.nextRetryAt) persisted when \(expected.label)")
                } else {
                    stats.retriesHonoured += 1
                }
            }
        }
        if e.kind == "connected" { lastConnectedAt[p] = e.at }
        if let to = e.toState { lastState[p] = to }
        if let attempt = e.attempt { lastAttempts[p] = attempt }
    }

    private mutating func checkAttempts(_ e: EventRow, attempt: Int, previous: Int, gracefulStop: Bool, label: String) {
        if e.kind == "attempt_started" {
            if attempt != previous + 1 { fail("\(label): attempts went \(previous) → \(attempt); an attempt adds exactly 1") }
            return
        }
        if attempt > previous {
            fail("\(label): attempts grew \(previous) → \(attempt) without an attempt starting")
        } else if attempt < previous {
            let stablePeriod = stablePeriods[e.platform] ?? .max
            let afterStablePeriod = e.fromState == "connected"
                && lastConnectedAt[e.platform].map { $0 + stablePeriod <= e.at } == true
            let legitimate: Bool
            switch e.kind {
            case "stable", "reset", "enabled", "credentials_changed":
                legitimate = true
            case "disconnected" where afterStablePeriod, "interrupted" where afterStablePeriod:
                legitimate = attempt == 0
            case "interrupted" where gracefulStop && e.fromState == "connecting":
                legitimate = attempt == previous - 1
            default:
                legitimate = false
            }
            if legitimate {
                stats.streakResets += 1
            } else {
                fail("\(label): attempts fell \(previous) → \(attempt) (from \(e.fromState ?? "-")) without a success past the stable period, a reset or a graceful stop")
            }
        }
    }

    /// N in "due N ms ago".
    static func lateness(_ detail: String?) -> Int64? {
        guard let detail, detail.hasPrefix("due "), detail.hasSuffix(" ms ago") else { return nil }
        return Int64(detail.dropFirst(4).dropLast(7))
    }

    // MARK: - The rows, while no daemon runs

    /// Checks the rows of a database no process writes to: the configured set, each equal to its last event.
    mutating func checkRows(_ rows: [PlatformRow], counts: (rows: Int, names: Int), when label: String) {
        let names = Set(rows.map(\.name))
        let configured = Set(stablePeriods.keys)
        if counts.rows != counts.names { fail("\(label): \(counts.rows) platform rows but \(counts.names) names: a duplicate") }
        if names != configured {
            fail("\(label): platform rows \(names.sorted()) are not the configured \(configured.sorted()) (lost: \(configured.subtracting(names).sorted()), extra: \(names.subtracting(configured).sorted()))")
        }
        for row in rows {
            guard let state = lastState[row.name], let attempts = lastAttempts[row.name] else {
                fail("\(label): \(row.name) has a row but no event")
                continue
            }
            if state != row.state || attempts != row.attempts {
                fail("\(label): \(row.name) is \(row.state) with \(row.attempts) attempts, but its last event says \(state) with \(attempts)")
            }
        }
    }

    /// Notes what the next run must honour, from the rows as the kill left them.
    mutating func expectAfterRestart(_ rows: [PlatformRow], when label: String) {
        for row in rows {
            switch row.state {
            case "connecting":
                expectInterrupted[row.name] = (row.attempts, label)
                expectRetry[row.name] = nil
            case "backing_off":
                if let next = row.nextRetryAt { expectRetry[row.name] = (next, row.notBefore, false, label) }
                expectInterrupted[row.name] = nil
            default:
                expectRetry[row.name] = nil
                expectInterrupted[row.name] = nil
            }
        }
    }

    /// Interrupted attempts not yet seen counted (after the final run there must be none).
    var uncountedInterruptions: [String] { expectInterrupted.keys.sorted() }
}
