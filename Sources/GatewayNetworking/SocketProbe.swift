import GatewayCore
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// The real reachability probe: resolve the endpoint's name, open a TCP connection, complete a TLS handshake when
/// the endpoint is TLS, and close. Nothing is sent after the handshake — no login, no request — so a probe costs
/// the platform nothing it rate-limits.
///
/// The certificate is not verified: the probe asks whether the network path is back, not whether the server is
/// trusted (the adapter's own connect verifies, and classifies a bad certificate itself).
public struct SocketProbe: Sendable {
    public init() {}

    /// Probes `endpoint` once within `timeoutMillis`.
    public func probe(_ endpoint: Endpoint, timeoutMillis: Int64) async -> ProbeResult {
        let timeout = TimeAmount.milliseconds(max(timeoutMillis, 100))
        let group = MultiThreadedEventLoopGroup.singleton
        let handshake = group.any().makePromise(of: Void.self)
        let tlsContext: NIOSSLContext?
        if endpoint.tls {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            do { tlsContext = try NIOSSLContext(configuration: configuration) } catch {
                return .unreachable(reason: "tls: \(error)")
            }
        } else {
            tlsContext = nil
        }
        let serverName = endpoint.host.isIPAddress ? nil : endpoint.host
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let tlsContext else { return }
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: serverName))
                    try sync.addHandler(HandshakeWatcher(handshake))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: endpoint.host, port: endpoint.port).get()
        } catch {
            handshake.fail(error)
            return .unreachable(reason: Self.reason(error, endpoint))
        }
        defer { channel.close(promise: nil) }
        guard endpoint.tls else {
            handshake.succeed()
            return .reachable
        }
        let deadline = channel.eventLoop.scheduleTask(in: timeout) { handshake.fail(ProbeTimeout()) }
        defer { deadline.cancel() }
        do {
            try await handshake.futureResult.get()
            return .reachable
        } catch is ProbeTimeout {
            return .unreachable(reason: "tls: no handshake within \(DurationText.describe(millis: timeoutMillis))")
        } catch {
            return .unreachable(reason: Self.reason(error, endpoint))
        }
    }

    /// "refused: connection refused by 127.0.0.1:9", "dns: cannot resolve …": the kind, then the transport's words.
    static func reason(_ error: any Error, _ endpoint: Endpoint) -> String {
        let failure = TransportFailure(error, host: endpoint.host, port: endpoint.port)
        return "\(failure.kind.rawValue): \(failure.description)"
    }
}

private struct ProbeTimeout: Error {}

/// Completes `promise` when the TLS handshake does, or fails it with the first error or an early close.
private final class HandshakeWatcher: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let promise: EventLoopPromise<Void>

    init(_ promise: EventLoopPromise<Void>) { self.promise = promise }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent { promise.succeed() }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.eof)
        context.fireChannelInactive()
    }
}

extension String {
    /// An IPv4 or IPv6 literal (TLS sends no SNI for those, and checks the peer address instead of a name).
    public var isIPAddress: Bool {
        (try? SocketAddress(ipAddress: self, port: 0)) != nil
    }
}
