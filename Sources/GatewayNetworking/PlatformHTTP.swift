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
    /// HTTP/1.1 connections per host. Every Telegram bot holds one for its long poll, all the time; with
    /// AsyncHTTPClient's default of 8, a ninth bot on one Bot API server (a local `telegram-bot-api`, plain HTTP) waited
    /// for another's poll to end before it could even log in (found by `gatewayd-bench recovery`: 10 bots, the last
    /// two connected 9 s late).
    public static let connectionsPerHost = 4_096

    public static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = connectTimeout
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connectionsPerHost
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
