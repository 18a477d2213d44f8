import GatewayCore
/// Where a platform is in the reconnect state machine. Raw values are the `platforms.state` column.
public enum PlatformState: String, Sendable, CaseIterable, Codable {
    /// An attempt is in flight, under a lease.
    case connecting
    /// Up since `connected_since`.
    case connected
    /// In the reconnect queue, due at `next_retry_at`.
    case backingOff = "backing_off"
    /// An auth, configuration or conflict failure: never retried until credentials change or an operator acts.
    case needsAttention = "needs_attention"
    /// Paused by an operator.
    case paused
    /// Attempts exhausted under the opt-in `give_up` policy.
    case gaveUp = "gave_up"
    /// Disabled in, or removed from, the configuration (the row is kept for its history).
    case disabled

    /// States a daemon can leave without a human: connected, in flight, or queued.
    public var isLive: Bool { self == .connecting || self == .connected || self == .backingOff }
}

/// A classified failure as the store records it. `message` must already be redacted.
public struct PlatformFailure: Sendable, Equatable {
    public var errorClass: ErrorClass
    /// The platform's own code: an HTTP status, a close code, an IRC numeric.
    public var code: String?
    /// Redacted, human-readable text.
    public var message: String
    /// The server's "not before" (Unix ms), if it gave one.
    public var notBefore: Int64?
    /// The server itself asked for a reconnect (Discord op 7, a resumable op 9): a dropped connection is
    /// reconnected at once (within the jitter), not after the backoff; the failure streak is not extended.
    public var reconnectAtOnce: Bool

    public init(
        _ errorClass: ErrorClass, code: String? = nil, message: String, notBefore: Int64? = nil, reconnectAtOnce: Bool = false
    ) {
        self.errorClass = errorClass
        self.code = code
        self.message = message
        self.notBefore = notBefore
        self.reconnectAtOnce = reconnectAtOnce
    }
}
