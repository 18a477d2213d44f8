/// What one reachability probe saw.
public enum ProbeResult: Sendable, Equatable {
    /// The name resolved, a TCP connection was accepted (and the TLS handshake completed, for a TLS endpoint).
    case reachable
    /// It did not; `reason` names the step that failed ("dns: …", "connect: connection refused", "tls: …",
    /// "timed out after 3 s").
    case unreachable(reason: String)

    public var isReachable: Bool { self == .reachable }
}

/// A cheap check that an endpoint can be reached: DNS, a TCP connect, a TLS handshake where the endpoint is TLS —
/// no login, no API call, nothing a platform rate-limits. The watcher probes an endpoint while one of its platforms
/// waits after a network-class failure, and pulls those platforms forward when it comes back.
public protocol ReachabilityProbing: Sendable {
    /// The endpoint `platform` connects to, or nil when it has none to probe (a simulated platform).
    func endpoint(for platform: PlatformConfig) -> Endpoint?
    /// Probes `endpoint` once, giving up after `timeoutMillis`. Never throws: a failure is a result.
    func probe(_ endpoint: Endpoint, timeoutMillis: Int64) async -> ProbeResult
}
