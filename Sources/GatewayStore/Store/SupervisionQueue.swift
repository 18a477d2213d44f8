import GatewayCore

/// The watcher's side of the reconnect queue — claim what is due, record how each attempt ended, know when to wake —
/// the same on every backend. `Store` is it for one daemon on its SQLite file (the file's daemon lease makes every
/// row its own); on PostgreSQL, `FleetQueue` is one daemon's view of the fleet's rows: only the rows it owns.
///
/// Every method is one transaction, and every change goes through `PlatformMachine` with its event, so both backends
/// move a row the same way (the store tests run one body against both).
public protocol SupervisionQueue: Sendable {
    /// Claims due rows (up to `limit`, soonest first) for an attempt by `owner`: each becomes `connecting` under a
    /// lease of its connect timeout plus `leaseMarginMillis`, its attempt counted. A row `gate` gives a later login
    /// slot is rescheduled to it (event `paced`) instead.
    func claimDue(
        owner: String, limit: Int, leaseMarginMillis: Int64, gate: (any LoginGate)?
    ) async throws -> [PlatformRecord]

    /// `owner`'s attempt on `name` connected. A recovery from a network-class failure pulls the other network-class
    /// rows forward (not those holding a later slot of `gate`). Throws `StoreError.illegalTransition` when the row
    /// is no longer this attempt (paused, its lease expired): the caller must then disconnect.
    @discardableResult
    func recordSuccess(_ name: String, owner: String, gate: (any LoginGate)?) async throws -> PlatformRecord

    /// `owner`'s attempt on `name` failed: queued with backoff, `needs_attention`, or per the exhausted policy.
    @discardableResult
    func recordFailure(_ name: String, owner: String, failure: PlatformFailure) async throws -> PlatformRecord

    /// A connected platform dropped at runtime.
    @discardableResult
    func recordDisconnect(_ name: String, failure: PlatformFailure) async throws -> PlatformRecord

    /// A graceful stop closes `name`'s connection (or abandons `owner`'s attempt on it): due again at the next start.
    func recordStopped(_ name: String, owner: String) async throws

    /// Forgives the failure streak of every connection past its stable period; returns their names.
    @discardableResult
    func stabilizeDue() async throws -> [String]

    /// Requeues `connecting` rows whose attempt lease ran out (counted as failed); returns their names.
    @discardableResult
    func expireLeases() async throws -> [String]

    /// When there is next work: the earliest due retry, connection to become stable, or attempt lease to expire.
    func nextWakeAt() async throws -> Int64?

    /// One row, or nil.
    func platform(_ name: String) async throws -> PlatformRecord?
}

extension Store: SupervisionQueue {}
