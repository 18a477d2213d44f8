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
    /// Whether `platform` holds a slot for a time after `now` (it waits for it: a pull-forward must leave it be,
    /// or every reconnect of a herd would move the rest forward only for the gate to send them back).
    func holdsSlot(for platform: String, now: Int64) -> Bool
}
