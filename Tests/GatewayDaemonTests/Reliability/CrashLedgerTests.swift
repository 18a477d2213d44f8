import Testing

/// The crash harness's rules, fed made-up histories: each one catches what it is for (so a green crash run means
/// something), and a legitimate history passes.
@Suite("Reliability: crash ledger rules")
struct CrashLedgerTests {
    /// A history builder: events get consecutive ids and times 1,000 ms apart unless given.
    struct History {
        var events: [EventRow] = []
        var at: Int64 = 10_000

        mutating func add(_ kind: String, _ from: String?, _ to: String?, attempt: Int?, at time: Int64? = nil, detail: String? = nil) {
            at = time ?? at + 1_000
            let detail = detail ?? (kind == "attempt_started" ? "due 3 ms ago" : nil)
            events.append(EventRow(
                id: Int64(events.count + 1), platform: "p", at: at, kind: kind, fromState: from, toState: to, attempt: attempt, detail: detail))
        }

        /// added → one failed attempt → backing_off with 1 attempt.
        static var queued: History {
            var h = History()
            h.add("added", nil, "backing_off", attempt: 0)
            h.add("attempt_started", "backing_off", "connecting", attempt: 1)
            h.add("failed", "connecting", "backing_off", attempt: 1)
            return h
        }
    }

    func ledger(_ history: History, gracefulStop: Bool = false) -> CrashLedger {
        var ledger = CrashLedger(stablePeriods: ["p": 500])
        ledger.absorb(history.events, gracefulStop: gracefulStop)
        return ledger
    }

    func row(_ state: String, attempts: Int, next: Int64? = nil, notBefore: Int64? = nil) -> PlatformRow {
        PlatformRow(name: "p", state: state, attempts: attempts, nextRetryAt: next, notBefore: notBefore, stableAt: nil,
                    connectedSince: nil, exhausted: false)
    }

    @Test("a legitimate history passes: attempts, a forgiven streak after the stable period, a graceful stop")
    func legitimate() {
        var h = History.queued
        h.add("attempt_started", "backing_off", "connecting", attempt: 2)
        h.add("connected", "connecting", "connected", attempt: 2)
        h.add("disconnected", "connected", "backing_off", attempt: 0, at: h.at + 600)  // up 600 ms > 500 ms
        h.add("attempt_started", "backing_off", "connecting", attempt: 1)
        h.add("interrupted", "connecting", "backing_off", attempt: 0, detail: "the daemon stopped during the attempt; not counted")
        var ledger = ledger(h, gracefulStop: true)
        ledger.checkRows([row("backing_off", attempts: 0, next: 1)], counts: (1, 1), when: "end")
        #expect(ledger.violations == [])
        #expect(ledger.stats.streakResets == 2)
    }

    @Test("attempts: +2 at once, growth without an attempt, a fall without a stable period, a fall on SIGKILL")
    func attempts() {
        var jump = History.queued
        jump.add("attempt_started", "backing_off", "connecting", attempt: 3)
        #expect(ledger(jump).violations.count == 1)

        var grow = History.queued
        grow.add("staggered", "backing_off", "backing_off", attempt: 2)
        #expect(ledger(grow).violations.count == 1)

        var early = History.queued
        early.add("attempt_started", "backing_off", "connecting", attempt: 2)
        early.add("connected", "connecting", "connected", attempt: 2)
        early.add("disconnected", "connected", "backing_off", attempt: 0, at: early.at + 400)  // up 400 ms < 500 ms
        #expect(ledger(early).violations.count == 1)

        var killed = History.queued
        killed.add("attempt_started", "backing_off", "connecting", attempt: 2)
        killed.add("interrupted", "connecting", "backing_off", attempt: 1)
        #expect(ledger(killed, gracefulStop: false).violations.count == 1, "only a graceful stop may uncount an attempt")
    }

    @Test("the history must be a chain of states")
    func chain() {
        var h = History.queued
        h.add("connected", "connecting", "connected", attempt: 1)
        #expect(ledger(h).violations.count == 1)
    }

    @Test("an attempt before the persisted next retry, or before not_before, is caught; a pull-forward is not")
    func schedule() {
        let base = History.queued
        var ledger = ledger(base)
        ledger.expectAfterRestart([row("backing_off", attempts: 1, next: 20_000, notBefore: 15_000)], when: "kill 1")
        var early = History(events: [], at: 19_000)
        early.add("attempt_started", "backing_off", "connecting", attempt: 2, at: 19_500)
        early.events = early.events.map { var e = $0; e.id += 100; return e }
        var caught = ledger
        caught.absorb(early.events)
        #expect(caught.violations.count == 1 && caught.violations[0].contains("before the next_retry_at 20000"))

        var pulled = History(events: [], at: 16_000)
        pulled.add("pulled_forward", "backing_off", "backing_off", attempt: 1)
        pulled.add("attempt_started", "backing_off", "connecting", attempt: 2, at: 19_000)
        pulled.events = pulled.events.enumerated().map { var e = $1; e.id = 200 + Int64($0); return e }
        var allowed = ledger
        allowed.absorb(pulled.events)
        #expect(allowed.violations == [] && allowed.stats.retriesMovedForward == 1)

        var tooEarly = History(events: [], at: 12_000)
        tooEarly.add("pulled_forward", "backing_off", "backing_off", attempt: 1)
        tooEarly.add("attempt_started", "backing_off", "connecting", attempt: 2, at: 14_000)
        tooEarly.events = tooEarly.events.enumerated().map { var e = $1; e.id = 300 + Int64($0); return e }
        var notBefore = ledger
        notBefore.absorb(tooEarly.events)
        #expect(notBefore.violations.count == 1 && notBefore.violations[0].contains("not_before"))

        var negative = History.queued
        negative.add("attempt_started", "backing_off", "connecting", attempt: 2, detail: "due -5 ms ago")
        #expect(self.ledger(negative).violations.count == 1)
    }

    @Test("a row connecting at the kill must come back as an interrupted, counted attempt")
    func interrupted() {
        var h = History.queued
        h.add("attempt_started", "backing_off", "connecting", attempt: 2)
        var ledger = ledger(h)
        ledger.expectAfterRestart([row("connecting", attempts: 2)], when: "kill 1")
        var good = ledger
        good.absorb([EventRow(id: 50, platform: "p", at: 30_000, kind: "interrupted", fromState: "connecting", toState: "backing_off", attempt: 2, detail: nil)])
        #expect(good.violations == [] && good.stats.interruptedCounted == 1 && good.uncountedInterruptions == [])

        var exhausted = ledger
        exhausted.absorb([EventRow(
            id: 50, platform: "p", at: 30_000, kind: "exhausted", fromState: "connecting", toState: "backing_off", attempt: 2,
            detail: "2 attempts failed; retrying every 8 s: the attempt was interrupted: the daemon stopped during it")])
        #expect(exhausted.violations == [] && exhausted.stats.interruptedCounted == 1, "the last allowed attempt, interrupted")

        var forgotten = ledger
        forgotten.absorb([EventRow(id: 50, platform: "p", at: 30_000, kind: "failed", fromState: "connecting", toState: "backing_off", attempt: 2, detail: nil)])
        #expect(forgotten.violations.count == 1)
        #expect(ledger.uncountedInterruptions == ["p"], "not yet seen after the restart")
    }

    @Test("rows: lost, extra, duplicated, or not what the last event says")
    func rows() {
        var ledger = ledger(History.queued)
        ledger.checkRows([row("backing_off", attempts: 1, next: 1)], counts: (1, 1), when: "ok")
        #expect(ledger.violations == [])
        ledger.checkRows([], counts: (0, 0), when: "lost")
        #expect(ledger.violations.count == 1)
        ledger.checkRows([row("backing_off", attempts: 1, next: 1)], counts: (2, 1), when: "dup")
        #expect(ledger.violations.count == 2)
        ledger.checkRows([row("connected", attempts: 1)], counts: (1, 1), when: "drift")
        #expect(ledger.violations.count == 3)
        var extra = row("backing_off", attempts: 0, next: 1)
        extra.name = "q"
        ledger.checkRows([row("backing_off", attempts: 1, next: 1), extra], counts: (2, 2), when: "extra")
        #expect(ledger.violations.count == 5, "an unconfigured row, which also has no event")
    }
}
