/// Everything that can happen to a platform row. `PlatformMachine.apply` decides what each does in each state.
public enum PlatformAction: Sendable, Equatable {
    /// The watcher starts an attempt on a due row, under a lease.
    case claim(owner: String, leaseUntil: Int64)
    /// The in-flight attempt connected.
    case succeed
    /// The in-flight attempt failed.
    case fail(PlatformFailure)
    /// A connected platform dropped.
    case disconnect(PlatformFailure)
    /// A connection passed its stable period: its failure streak is forgiven.
    case stabilize
    /// Operator: attempt now (never before the server's not-before).
    case retryNow
    /// Operator: stop connecting until resumed.
    case pause
    /// Operator: undo `pause`; due at once.
    case resume
    /// Operator: forget the failure streak and attempt now.
    case reset
    /// Configuration: disabled or removed.
    case disable(reason: String)
    /// Configuration: enabled again.
    case enable
    /// Configuration: the credentials' fingerprint changed (re-arms needs_attention and gave_up).
    case credentialsChanged(fingerprint: String?)
    /// Startup: the row was connecting or connected when the previous process died.
    case recoverAfterRestart
    /// The daemon stops gracefully: a connection it closes, or an attempt it abandons, is due again at the next start.
    /// An abandoned attempt is not counted: it did not fail.
    case stopGracefully
    /// The attempt's lease ran out without a result (its owner died or hung).
    case expireLease
    /// Move a queued row's next attempt (stagger, pull-forward).
    case reschedule(at: Int64, why: PlatformEvent.Kind, detail: String)
    /// The wall clock is earlier than when the row was scheduled: it moved backwards by this much. The remaining
    /// wait shrinks by the same amount, so it is never longer than the wait the policy (or the server) asked for.
    case clockMovedBack(byMillis: Int64)

    /// How the action reads in an error message ("cannot retry now").
    public var verb: String {
        switch self {
        case .claim: "start an attempt"
        case .succeed: "record a successful connect"
        case .fail: "record a failed attempt"
        case .disconnect: "record a disconnect"
        case .stabilize: "mark the connection stable"
        case .retryNow: "retry now"
        case .pause: "pause"
        case .resume: "resume"
        case .reset: "reset"
        case .disable: "disable"
        case .enable: "enable"
        case .credentialsChanged: "change credentials"
        case .recoverAfterRestart: "recover after a restart"
        case .expireLease: "expire the attempt's lease"
        case .stopGracefully: "stop gracefully"
        case .reschedule: "reschedule"
        case .clockMovedBack: "adjust for a clock moved backwards"
        }
    }
}
