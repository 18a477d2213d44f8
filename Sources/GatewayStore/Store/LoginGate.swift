import GatewayCore

/// When a due platform's login may start.
public struct LoginSlotGrant: Sendable, Equatable {
    /// Now (go), or the later time its slot is reserved for.
    public var start: Int64
    /// For the `paced` event: which budget, and what it allows ("tls://api.telegram.org:443: 20 per 1 s").
    public var detail: String

    public init(start: Int64, detail: String) {
        self.start = start
        self.detail = detail
    }
}

/// Paces logins: asked once per due row before it is claimed (``Store/claimDue(owner:limit:leaseMarginMillis:gate:)``).
public protocol LoginGate: Sendable {
    func slot(for platform: String, now: Int64) -> LoginSlotGrant
}
