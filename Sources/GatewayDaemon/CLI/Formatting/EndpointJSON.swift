import GatewayCore
import GatewayStore

/// One endpoint in `status --json` and `/v1/status`: the platforms that connect to it and what the reachability
/// probe last saw there (`reachable` null: never probed — none of its platforms waited after a network failure).
struct EndpointJSON: Codable, Equatable {
    var endpoint: String
    var platforms: [String]
    var reachable: Bool?
    var lastProbeAt: Int64?
    var lastError: String?
    var probes: Int
    var unreachableSince: Int64?
    var cameBackAt: Int64?

    enum CodingKeys: String, CodingKey {
        case endpoint, platforms, reachable, probes
        case lastProbeAt = "last_probe_at", lastError = "last_error", unreachableSince = "unreachable_since"
        case cameBackAt = "came_back_at"
    }

    /// Every endpoint a platform connects to or a probe recorded, sorted.
    static func list(records: [PlatformRecord], probes: [EndpointProbe]) -> [EndpointJSON] {
        var platforms: [String: [String]] = [:]
        for record in records { if let endpoint = record.endpoint { platforms[endpoint, default: []].append(record.name) } }
        let byEndpoint = Dictionary(probes.map { ($0.endpoint, $0) }, uniquingKeysWith: { first, _ in first })
        return Set(platforms.keys).union(byEndpoint.keys).sorted().map { endpoint in
            let probe = byEndpoint[endpoint]
            return EndpointJSON(
                endpoint: endpoint, platforms: (platforms[endpoint] ?? []).sorted(), reachable: probe?.reachable,
                lastProbeAt: probe?.lastProbeAt, lastError: probe?.lastError, probes: probe?.probes ?? 0,
                unreachableSince: probe?.unreachableSince, cameBackAt: probe?.cameBackAt)
        }
    }

    /// Writes every key, `null` included.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(endpoint, forKey: .endpoint)
        try container.encode(platforms, forKey: .platforms)
        try container.encode(reachable, forKey: .reachable)
        try container.encode(lastProbeAt, forKey: .lastProbeAt)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(probes, forKey: .probes)
        try container.encode(unreachableSince, forKey: .unreachableSince)
        try container.encode(cameBackAt, forKey: .cameBackAt)
    }

    /// "tls://api.telegram.org:443  unreachable for 2m (refused: …), 14 probes", for the status table; nil when
    /// never probed.
    func line(now: Int64) -> String? {
        guard let reachable, let lastProbeAt else { return nil }
        let state = reachable
            ? "reachable (probed \(RelativeTime.describe(lastProbeAt, now: now)))"
            : "unreachable since \(RelativeTime.describe(unreachableSince ?? lastProbeAt, now: now))"
                + (lastError.map { " (\($0))" } ?? "")
        return "probe \(endpoint): \(state), \(probes) probe\(probes == 1 ? "" : "s")"
    }
}
