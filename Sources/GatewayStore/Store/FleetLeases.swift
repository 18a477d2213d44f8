import GatewayCore

/// What a claim took, and which of those rows had been another daemon's.
public struct FleetClaim: Sendable, Equatable {
    public var claimed: [String] = []
    /// Rows taken over from a daemon whose lease ran out (`interrupted` events say so).
    public var takenOver: [String] = []
    /// The earliest end of another daemon's lease on a platform (nil when none): when to look again, so a dead
    /// daemon's platforms are taken over as its lease ends (a live daemon renews before then).
    public var nextFreeAt: Int64?

    public init(claimed: [String] = [], takenOver: [String] = [], nextFreeAt: Int64? = nil) {
        self.claimed = claimed
        self.takenOver = takenOver
        self.nextFreeAt = nextFreeAt
    }
}

/// The owner leases of a fleet's platforms (ARCHITECTURE.md, "Beyond one machine"): a daemon joins, claims up to a
/// share of the free platforms, renews what it owns with its heartbeat, and gives everything back when it stops.
/// PostgreSQL's store is one; the SQLite store has no fleet (its one daemon holds the file's lease).
public protocol FleetLeases: Sendable {
    /// Records `daemon` as a member of the fleet.
    func join(_ daemon: DaemonIdentity) async throws
    /// How many platforms `daemon` should own for the work to spread evenly over the live daemons, at most `maximum`.
    func fairShare(for daemon: String, leaseMillis: Int64, maximum: Int) async throws -> Int
    /// Claims free platforms (never owned, given back, or whose owner's lease ran out) until `daemon` owns `share`.
    func claim(for daemon: String, share: Int, leaseMillis: Int64) async throws -> FleetClaim
    /// Renews the leases `daemon` still holds; returns their names (one missing was taken over).
    func renew(for daemon: String, leaseMillis: Int64) async throws -> Set<String>
    /// Gives back every platform `daemon` owns and marks it stopped.
    func release(for daemon: String) async throws
    /// Recovers `daemon`'s rows among `names` that are connecting or connected as after a crash (`interrupted`):
    /// the daemon has no connection for them. Returns the names recovered.
    func recover(_ names: [String], for daemon: String) async throws -> [String]
}

/// Operator writes made by other processes, announced as they commit (PostgreSQL's LISTEN/NOTIFY).
public protocol OperatorWriteFeed: Sendable {
    /// Listens until cancelled, calling `onChange` with each written platform's name; `onListening` once listening.
    /// Throws when the connection is lost (listen again, and re-read: what was written meanwhile was not announced).
    func listenForOperatorChanges(
        onListening: @Sendable () async -> Void, _ onChange: @Sendable (String) async -> Void
    ) async throws
}

