import GatewayCore
import GatewayStore
import PostgresNIO

// The reachability probe's side of the store on PostgreSQL: which endpoints have a daemon's platforms waiting after a
// network failure, and what the probes saw at each endpoint (`endpoint_probes`, shared by the fleet). Pulling an
// endpoint's platforms forward is the daemon's queue's (`FleetQueue.pullForward(endpoint:…)`).
extension PostgresStore {
    /// Which of `endpoints` have a platform that `daemon` owns waiting (`backing_off`) after a network-class failure,
    /// as the SQLite store's `endpointsWithNetworkWait`: one query over `platforms_network_waiting`. Another daemon's
    /// waiting platforms do not count (that daemon probes for them).
    public func endpointsWithNetworkWait(_ endpoints: [String], ownedBy daemon: String) async throws -> Set<String> {
        guard !endpoints.isEmpty else { return [] }
        let now = now()
        let found = try await rows(
            "reading which endpoints \(daemon) waits for",
            """
            SELECT DISTINCT endpoint FROM platforms
            WHERE endpoint = ANY(\(endpoints)) AND owner = \(daemon) AND owner_until > \(now)
              AND state = 'backing_off' AND last_error_class = 'network'
            """)
        return Set(try found.map { try $0.decode(String.self) })
    }

    /// Records one probe of `endpoint` and returns the row as it now is, as the SQLite store's `recordProbe`:
    /// `probes` counts up; `unreachable_since` is the first failed probe of the current outage (cleared when
    /// reachable); `came_back_at` is set when it was unreachable before and is reachable now; the reason is kept to
    /// 500 characters.
    ///
    /// One upsert computes the new row from the old one in the database (not read, then written): two daemons of the
    /// fleet probing the same endpoint at once are applied one after the other (the conflicting row is locked), so
    /// both count and neither's outage start is lost.
    @discardableResult
    public func recordProbe(_ endpoint: String, result: ProbeResult) async throws -> EndpointProbe {
        let now = now()
        let lastError: String?
        switch result {
        case .reachable: lastError = nil
        case .unreachable(let reason): lastError = String(reason.prefix(500))
        }
        let reachable = result.isReachable
        let unreachableSince: Int64? = reachable ? nil : now
        let found = try await rows(
            "recording a probe of \(endpoint)",
            """
            INSERT INTO endpoint_probes AS p
                (endpoint, last_probe_at, reachable, last_error, probes, unreachable_since, came_back_at)
            VALUES (\(endpoint), \(now), \(reachable), \(lastError), 1, \(unreachableSince), NULL)
            ON CONFLICT (endpoint) DO UPDATE SET
                last_probe_at = EXCLUDED.last_probe_at, reachable = EXCLUDED.reachable, last_error = EXCLUDED.last_error,
                probes = p.probes + 1,
                unreachable_since = CASE
                    WHEN EXCLUDED.reachable THEN NULL
                    WHEN p.reachable OR p.unreachable_since IS NULL THEN EXCLUDED.last_probe_at
                    ELSE p.unreachable_since END,
                came_back_at = CASE
                    WHEN EXCLUDED.reachable AND NOT p.reachable THEN EXCLUDED.last_probe_at
                    ELSE p.came_back_at END
            RETURNING \(unescaped: Self.probeColumns)
            """)
        guard let row = found.first else {
            throw FleetStoreError.corruptRow(table: "endpoint_probes", key: endpoint, detail: "the upsert returned no row")
        }
        return try Self.decodeProbe(row)
    }

    /// Every endpoint probed so far, by endpoint.
    public func endpointProbes() async throws -> [EndpointProbe] {
        try await rows(
            "reading the endpoint probes", "SELECT \(unescaped: Self.probeColumns) FROM endpoint_probes ORDER BY endpoint"
        ).map(Self.decodeProbe)
    }

    private static let probeColumns = "endpoint, last_probe_at, reachable, last_error, probes, unreachable_since, came_back_at"

    private static func decodeProbe(_ row: PostgresRow) throws -> EndpointProbe {
        let (endpoint, lastProbeAt, reachable, lastError, probes, unreachableSince, cameBackAt) = try row.decode(
            (String, Int64, Bool, String?, Int, Int64?, Int64?).self)
        return EndpointProbe(
            endpoint: endpoint, lastProbeAt: lastProbeAt, reachable: reachable, lastError: lastError, probes: probes,
            unreachableSince: unreachableSince, cameBackAt: cameBackAt)
    }
}
