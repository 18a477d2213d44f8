import GatewayCore
/// One row of `platform_events`: a transition or an operator action, with who did it.
public struct PlatformEvent: Sendable, Equatable {
    /// What happened. Raw values are the `platform_events.kind` column.
    public enum Kind: String, Sendable, CaseIterable {
        case added, attemptStarted = "attempt_started", connected, failed, disconnected, stable
        case exhausted, gaveUp = "gave_up", needsAttention = "needs_attention"
        case retryNow = "retry_now", paused, resumed, reset, disabled, enabled
        case credentialsChanged = "credentials_changed", interrupted, staggered
        case pulledForward = "pulled_forward", clockAdjusted = "clock_adjusted", leaseExpired = "lease_expired"
        case alertSent = "alert_sent", alertFailed = "alert_failed"
        /// A due row waits for a login slot of its endpoint (the login budget): rescheduled to the slot.
        case paced
    }

    public var id: Int64
    public var platform: String
    public var at: Int64
    public var kind: Kind
    public var fromState: PlatformState?
    public var toState: PlatformState?
    public var attempt: Int?
    public var errorClass: ErrorClass?
    /// Redacted detail.
    public var detail: String?
    /// `daemon`, `config`, or `operator:<name>`.
    public var actor: String

    public init(
        id: Int64 = 0, platform: String, at: Int64, kind: Kind, fromState: PlatformState?, toState: PlatformState?,
        attempt: Int?, errorClass: ErrorClass?, detail: String?, actor: String
    ) {
        self.id = id
        self.platform = platform
        self.at = at
        self.kind = kind
        self.fromState = fromState
        self.toState = toState
        self.attempt = attempt
        self.errorClass = errorClass
        self.detail = detail
        self.actor = actor
    }
}

/// Who caused a change; recorded with every event.
public struct Actor: Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public static let daemon = Actor(description: "daemon")
    public static let config = Actor(description: "config")
    /// An operator command; `name` is e.g. the Unix user.
    public static func `operator`(_ name: String) -> Actor { Actor(description: "operator:\(name)") }
}
