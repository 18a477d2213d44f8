/// A daemon's part in a fleet on PostgreSQL (`fleet:`; ignored on an SQLite file):
///
/// ```yaml
/// fleet: { lease: 15s, max_platforms: 500, query_timeout: 30s }
/// ```
///
/// `lease` is how long a platform stays a daemon's after its last renewal — the longest a killed daemon's platforms
/// wait for another to take them over. The lease is renewed every third of it, and a daemon stops acting on a
/// platform a fifth of it before it could run out when renewals do not come back. `max_platforms` caps the
/// daemon's share (by default an even share of the fleet's platforms). `query_timeout` bounds each query and
/// transaction: a server that leaves one unanswered that long is lost, and the daemon stops (exit 74).
public struct FleetConfig: Sendable, Equatable {
    public var leaseMillis: Int64 = 15_000
    public var maximumPlatforms: Int = .max
    public var queryTimeoutMillis: Int64 = 30_000

    public init(leaseMillis: Int64 = 15_000, maximumPlatforms: Int = .max, queryTimeoutMillis: Int64 = 30_000) {
        self.leaseMillis = leaseMillis
        self.maximumPlatforms = maximumPlatforms
        self.queryTimeoutMillis = queryTimeoutMillis
    }

    /// The lease keeper's settings.
    public var keeperSettings: LeaseKeeper.Settings {
        LeaseKeeper.Settings(
            leaseMillis: leaseMillis, renewEveryMillis: max(1, leaseMillis / 3), safetyMillis: leaseMillis / 5,
            maximumShare: maximumPlatforms)
    }
}
