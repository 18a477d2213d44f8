import GatewayCore
import AsyncHTTPClient
import NIOCore

/// The HTTP client every adapter and outbound webhook uses: a connection that fails, fails at once.
///
/// `HTTPClient.shared` retries connection establishment until the request's deadline, so a refused port or an
/// unresolvable host surfaces as "timed out" after the whole deadline and every such attempt sits in `connecting`
/// for the connect timeout (TOOLCHAIN.md). This client does not retry: the first failure is the one reported,
/// classified by ``TransportFailure``.
public enum PlatformHTTP {
    /// How long establishing one connection (TCP + TLS) may take.
    public static let connectTimeout: TimeAmount = .seconds(10)

    public static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = connectTimeout
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
