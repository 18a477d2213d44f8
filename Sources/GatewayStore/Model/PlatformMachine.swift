import GatewayCore
/// The reconnect state machine, as a pure function: a record and an action in, the new record and its event out.
///
/// No I/O and no clock: `now`, the policy and the random source are passed in, so every transition — legal or not —
/// is testable directly. The store runs it inside a transaction and writes the record and the event together.
public struct PlatformMachine {
    /// The result of a legal action.
    public struct Outcome: Sendable, Equatable {
        public var record: PlatformRecord
        public var event: PlatformEvent.Kind
        public var detail: String?
        public var errorClass: ErrorClass?
    }

    public var policy: BackoffPolicy
    public var now: Int64

    public init(policy: BackoffPolicy, now: Int64) {
        self.policy = policy
        self.now = now
    }

    /// Applies `action` to `record`. Throws `StoreError` (`illegalTransition`) when the action makes no sense in the
    /// record's state; the record is then left as it was.
    public func apply(
        _ action: PlatformAction, to record: PlatformRecord, random: inout some RandomNumberGenerator
    ) throws(StoreError) -> Outcome {
        var row = record
        func illegal() -> StoreError { .illegalTransition(platform: record.name, from: record.state, action: action.verb) }

        switch (action, record.state) {
        case (.claim(let owner, let leaseUntil), .backingOff):
            guard let due = record.nextRetryAt, due <= now else { throw illegal() }
            row.enter(.connecting, now: now)
            row.attempts += 1
            row.leaseOwner = owner
            row.leaseUntil = leaseUntil
            // The watcher's lag, for anyone reading the history: how long after its due time the attempt started.
            return Outcome(record: row, event: .attemptStarted, detail: "due \(now - due) ms ago")

        case (.succeed, .connecting):
            row.enter(.connected, now: now)
            row.connectedSince = now
            row.stableAt = now + policy.stablePeriodMillis
            row.notBefore = nil
            let detail = row.attempts > 1 ? "connected after \(row.attempts) attempts" : nil
            return Outcome(record: row, event: .connected, detail: detail)

        case (.fail(let failure), .connecting):
            return afterFailure(failure, row: row, event: .failed, random: &random)

        case (.expireLease, .connecting), (.recoverAfterRestart, .connecting):
            let why = action == .expireLease
                ? "the attempt's lease expired without a result"
                : "the attempt was interrupted: the daemon stopped during it"
            let failure = PlatformFailure(.network, message: why)
            return afterFailure(failure, row: row, event: action == .expireLease ? .leaseExpired : .interrupted, random: &random)

        case (.disconnect(let failure), .connected):
            forgiveIfStable(&row)
            if failure.errorClass.isRetryable {
                recordError(failure, on: &row)
                // A dropped stable connection, or one the server asked to reconnect, reconnects at once (spread by
                // jitter); a flapping one backs off.
                let wait = row.attempts == 0 || failure.reconnectAtOnce
                    ? Int64.random(in: 0...max(0, Int64(Double(policy.baseMillis) * policy.jitter)), using: &random)
                    : policy.delayMillis(afterAttempt: row.attempts, random: &random)
                row.schedule(at: max(now + wait, failure.notBefore ?? 0), now: now)
                return Outcome(record: row, event: .disconnected, detail: failure.message, errorClass: failure.errorClass)
            }
            return afterFailure(failure, row: row, event: .disconnected, random: &random)

        case (.recoverAfterRestart, .connected):
            forgiveIfStable(&row)
            row.schedule(at: now, now: now)
            return Outcome(record: row, event: .interrupted, detail: "the daemon stopped while connected; reconnecting")

        case (.stopGracefully, .connected):
            forgiveIfStable(&row)
            row.schedule(at: earliestAllowed(row), now: now)
            return Outcome(record: row, event: .disconnected, detail: "the daemon stopped")

        case (.stopGracefully, .connecting):
            row.attempts = max(0, row.attempts - 1)
            row.schedule(at: earliestAllowed(row), now: now)
            return Outcome(record: row, event: .interrupted, detail: "the daemon stopped during the attempt; not counted")

        case (.stabilize, .connected):
            guard let stableAt = record.stableAt, stableAt <= now, record.attempts > 0 || record.exhausted else {
                throw illegal()
            }
            forgiveIfStable(&row)
            return Outcome(record: row, event: .stable, detail: "connected for the stable period; backoff reset")

        case (.retryNow, .backingOff), (.retryNow, .needsAttention), (.retryNow, .gaveUp):
            row.schedule(at: earliestAllowed(row), now: now)
            return Outcome(record: row, event: .retryNow, detail: notBeforeNote(row))

        case (.pause, let state) where state != .paused && state != .disabled:
            row.enter(.paused, now: now)
            return Outcome(record: row, event: .paused, detail: nil)

        case (.resume, .paused):
            row.schedule(at: earliestAllowed(row), now: now)
            return Outcome(record: row, event: .resumed, detail: notBeforeNote(row))

        case (.reset, let state) where state != .disabled:
            clearStreak(&row)
            if state != .connected && state != .connecting { row.schedule(at: earliestAllowed(row), now: now) }
            return Outcome(record: row, event: .reset, detail: nil)

        case (.disable(let reason), let state) where state != .disabled:
            row.enter(.disabled, now: now)
            return Outcome(record: row, event: .disabled, detail: reason)

        case (.enable, .disabled):
            clearStreak(&row)
            row.schedule(at: earliestAllowed(row), now: now)
            return Outcome(record: row, event: .enabled, detail: nil)

        case (.credentialsChanged(let fingerprint), let state):
            row.credentialFingerprint = fingerprint
            if state == .needsAttention || state == .gaveUp {
                clearStreak(&row)
                row.schedule(at: earliestAllowed(row), now: now)
            }
            return Outcome(record: row, event: .credentialsChanged, detail: nil)

        case (.reschedule(let time, let why, let detail), .backingOff):
            row.nextRetryAt = time
            row.scheduledAt = now
            return Outcome(record: row, event: why, detail: detail)

        case (.clockMovedBack(let delta), .backingOff) where delta > 0:
            row.nextRetryAt = row.nextRetryAt.map { $0 - delta }
            row.notBefore = row.notBefore.map { $0 - delta }
            row.scheduledAt = now
            return Outcome(record: row, event: .clockAdjusted, detail: "the wall clock moved back \(delta / 1000) s; wait shortened to match")

        default:
            throw illegal()
        }
    }

    // MARK: - Rules shared by several transitions

    /// After a failed (or interrupted) attempt: needs a human, exhausted, or back in the queue.
    private func afterFailure(
        _ failure: PlatformFailure, row: PlatformRecord, event: PlatformEvent.Kind, random: inout some RandomNumberGenerator
    ) -> Outcome {
        var row = row
        recordError(failure, on: &row)
        guard failure.errorClass.isRetryable else {
            row.enter(.needsAttention, now: now)
            return Outcome(record: row, event: .needsAttention, detail: failure.message, errorClass: failure.errorClass)
        }
        if row.attempts >= policy.maxAttempts {
            switch policy.onExhausted {
            case .giveUp:
                row.enter(.gaveUp, now: now)
                return Outcome(record: row, event: .gaveUp, detail: "\(row.attempts) attempts failed: \(failure.message)", errorClass: failure.errorClass)
            case .slow:
                let firstTime = !row.exhausted
                row.exhausted = true
                let wait = policy.jittered(policy.slowIntervalMillis, random: &random)
                row.schedule(at: max(now + wait, failure.notBefore ?? 0), now: now)
                return Outcome(
                    record: row, event: firstTime ? .exhausted : event,
                    detail: firstTime ? "\(row.attempts) attempts failed; retrying every \(policy.slowIntervalMillis / 1000) s: \(failure.message)" : failure.message,
                    errorClass: failure.errorClass)
            }
        }
        let wait = policy.delayMillis(afterAttempt: row.attempts, random: &random)
        row.schedule(at: max(now + wait, failure.notBefore ?? 0), now: now)
        return Outcome(record: row, event: event, detail: failure.message, errorClass: failure.errorClass)
    }

    private func recordError(_ failure: PlatformFailure, on row: inout PlatformRecord) {
        row.lastErrorClass = failure.errorClass
        row.lastErrorCode = failure.code
        row.lastError = String(failure.message.prefix(1_000))
        row.notBefore = failure.notBefore
        if row.firstFailedAt == nil { row.firstFailedAt = now }
    }

    /// A connection that stayed up for the stable period forgives the failure streak.
    private func forgiveIfStable(_ row: inout PlatformRecord) {
        if let stableAt = row.stableAt, stableAt <= now { clearStreak(&row) }
    }

    private func clearStreak(_ row: inout PlatformRecord) {
        row.attempts = 0
        row.exhausted = false
        row.firstFailedAt = nil
    }

    /// Now, or the server's not-before if that is later: no action may schedule an attempt the server forbade.
    private func earliestAllowed(_ row: PlatformRecord) -> Int64 { max(now, row.notBefore ?? now) }

    private func notBeforeNote(_ row: PlatformRecord) -> String? {
        guard let notBefore = row.notBefore, notBefore > now else { return nil }
        return "the server asked to wait: not before \((notBefore - now + 999) / 1000) s from now"
    }
}
