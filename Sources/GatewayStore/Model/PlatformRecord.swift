import GatewayCore
/// One row of `platforms`: everything the store knows about a platform's connection.
public struct PlatformRecord: Sendable, Equatable {
    public var name: String
    public var type: String
    public var state: PlatformState
    /// Attempts in the current failure streak (counted when an attempt starts).
    public var attempts: Int
    public var nextRetryAt: Int64?
    /// When `nextRetryAt` was computed; a clock now earlier than this has moved backwards.
    public var scheduledAt: Int64?
    public var notBefore: Int64?
    public var lastErrorClass: ErrorClass?
    public var lastErrorCode: String?
    public var lastError: String?
    public var firstFailedAt: Int64?
    public var connectedSince: Int64?
    public var stableAt: Int64?
    /// Max attempts reached; retrying at the slow cadence.
    public var exhausted: Bool
    public var stateChangedAt: Int64
    public var leaseOwner: String?
    public var leaseUntil: Int64?
    public var credentialFingerprint: String?
    public var createdAt: Int64
    /// Where it connects (`platforms.endpoint`, from the configuration at startup); nil for none.
    public var endpoint: String?

    /// A new platform: queued and due at once.
    public init(name: String, type: String, fingerprint: String?, now: Int64) {
        self.name = name
        self.type = type
        state = .backingOff
        attempts = 0
        nextRetryAt = now
        scheduledAt = now
        exhausted = false
        stateChangedAt = now
        credentialFingerprint = fingerprint
        createdAt = now
    }

    /// Clears everything that only means something in `state`, before entering a new one.
    mutating func enter(_ newState: PlatformState, now: Int64) {
        if newState != .backingOff { nextRetryAt = nil; scheduledAt = nil }
        if newState != .connecting { leaseOwner = nil; leaseUntil = nil }
        if newState != .connected { connectedSince = nil; stableAt = nil }
        if newState != state { stateChangedAt = now }
        state = newState
    }

    /// Schedules the next attempt at `time` (and remembers when, to detect a clock moving backwards).
    mutating func schedule(at time: Int64, now: Int64) {
        enter(.backingOff, now: now)
        nextRetryAt = time
        scheduledAt = now
    }
}
