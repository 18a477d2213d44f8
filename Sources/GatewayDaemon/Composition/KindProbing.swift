import GatewayCore
import GatewayNetworking

/// `gatewayd run`'s reachability probe: the endpoint each kind declares, probed with a real socket.
struct KindProbing: ReachabilityProbing {
    let kinds: [PlatformType: PlatformKind]

    init(kinds: [PlatformKind]) {
        self.kinds = Dictionary(kinds.map { ($0.type, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func endpoint(for platform: PlatformConfig) -> Endpoint? { kinds[platform.type]?.endpoint(platform) }

    func probe(_ endpoint: Endpoint, timeoutMillis: Int64) async -> ProbeResult {
        await SocketProbe().probe(endpoint, timeoutMillis: timeoutMillis)
    }
}
