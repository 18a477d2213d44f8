import GatewayCore
// The reachability probe's side of the store: which endpoints have platforms waiting after a network failure,
// what each probe saw (`endpoint_probes`), and pulling an endpoint's waiting platforms forward when it is back.

/// The last probe of one endpoint, as `endpoint_probes` holds it.
public struct EndpointProbe: Sendable, Equatable {
    public var endpoint: String
    public var lastProbeAt: Int64
    public var reachable: Bool
    /// Why the last probe failed (nil when reachable).
    public var lastError: String?
    public var probes: Int
    /// The first failed probe of the current outage (nil while reachable).
    public var unreachableSince: Int64?
    /// The last time a probe found it back after failing.
    public var cameBackAt: Int64?

    public init(
        endpoint: String, lastProbeAt: Int64, reachable: Bool, lastError: String?, probes: Int, unreachableSince: Int64?,
        cameBackAt: Int64?
    ) {
        self.endpoint = endpoint
        self.lastProbeAt = lastProbeAt
        self.reachable = reachable
        self.lastError = lastError
        self.probes = probes
        self.unreachableSince = unreachableSince
        self.cameBackAt = cameBackAt
    }
}

extension Store {
    /// Which of `endpoints` have a platform waiting (`backing_off`) after a network-class failure: one index lookup
    /// each (`platforms_network_waiting`).
    public func endpointsWithNetworkWait(_ endpoints: [String]) throws -> Set<String> {
        var waiting: Set<String> = []
        for endpoint in endpoints {
            let found = try connection.scalarInt(
                """
                SELECT EXISTS (SELECT 1 FROM platforms INDEXED BY platforms_network_waiting
                               WHERE endpoint = ? AND state = 'backing_off' AND last_error_class = 'network')
                """, [.text(endpoint)])
            if found == 1 { waiting.insert(endpoint) }
        }
        return waiting
    }

    /// Records one probe of `endpoint` and returns the row as it now is (`came_back_at` set when it was
    /// unreachable before and is reachable now).
    @discardableResult
    public func recordProbe(_ endpoint: String, result: ProbeResult) throws -> EndpointProbe {
        let now = now()
        return try connection.transaction {
            let before = try endpointProbe(endpoint)
            var row = before ?? EndpointProbe(
                endpoint: endpoint, lastProbeAt: now, reachable: true, lastError: nil, probes: 0, unreachableSince: nil,
                cameBackAt: nil)
            row.lastProbeAt = now
            row.probes += 1
            switch result {
            case .reachable:
                if before?.reachable == false { row.cameBackAt = now }
                row.reachable = true
                row.lastError = nil
                row.unreachableSince = nil
            case .unreachable(let reason):
                if row.unreachableSince == nil || before?.reachable != false { row.unreachableSince = now }
                row.reachable = false
                row.lastError = String(reason.prefix(500))
            }
            _ = try connection.execute(
                """
                INSERT INTO endpoint_probes (endpoint, last_probe_at, reachable, last_error, probes, unreachable_since, came_back_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (endpoint) DO UPDATE SET last_probe_at = excluded.last_probe_at, reachable = excluded.reachable,
                    last_error = excluded.last_error, probes = excluded.probes,
                    unreachable_since = excluded.unreachable_since, came_back_at = excluded.came_back_at
                """,
                [.text(endpoint), .integer(now), .integer(row.reachable ? 1 : 0), row.lastError.map(SQLValue.text) ?? .null,
                 .integer(Int64(row.probes)), row.unreachableSince.map(SQLValue.integer) ?? .null,
                 row.cameBackAt.map(SQLValue.integer) ?? .null])
            return row
        }
    }

    /// Every endpoint probed so far, by endpoint.
    public func endpointProbes() throws -> [EndpointProbe] {
        try connection.rows(
            """
            SELECT endpoint, last_probe_at, reachable, last_error, probes, unreachable_since, came_back_at
            FROM endpoint_probes ORDER BY endpoint
            """, [], Self.probe)
    }

    func endpointProbe(_ endpoint: String) throws -> EndpointProbe? {
        try connection.rows(
            """
            SELECT endpoint, last_probe_at, reachable, last_error, probes, unreachable_since, came_back_at
            FROM endpoint_probes WHERE endpoint = ?
            """, [.text(endpoint)], Self.probe).first
    }

    private static func probe(_ row: Row) -> EndpointProbe {
        EndpointProbe(
            endpoint: row.string(0), lastProbeAt: row.int64(1), reachable: row.int64(2) == 1, lastError: row.optionalString(3),
            probes: Int(row.int64(4)), unreachableSince: row.optionalInt64(5), cameBackAt: row.optionalInt64(6))
    }

    /// A probe found `endpoint` back: its platforms waiting after a network failure are due within `windowMillis`
    /// (jittered, never before a server's not-before). Returns how many moved.
    @discardableResult
    public func pullForward(
        endpoint: String, windowMillis: Int64, reason: String, gate: (any LoginGate)? = nil
    ) throws -> Int {
        let now = now()
        return try connection.transaction {
            try pullForwardInTransaction(
                except: nil, endpoint: endpoint, windowMillis: windowMillis, reason: reason, gate: gate, now: now)
        }
    }
}
