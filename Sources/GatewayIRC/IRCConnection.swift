import GatewayNetworking
import GatewayCore
import NIOCore
import NIOPosix
import NIOSSL

/// What happens on one connection, in order: what the server sent, how the stream ended, and the adapter's own
/// timer and stop signals — one stream, so one loop sees everything in sequence.
enum IRCEvent: Sendable {
    case received(IRCLineFramer.Output)
    case transportFailed(AdapterError)
    /// The peer closed the connection (EOF) or the channel went inactive.
    case closed
    case registrationDeadline
    /// The adapter gave up on the link (a message's confirming PING went unanswered): end it with this failure.
    case abandoned(AdapterError)
    /// `disconnect()` was called.
    case stop
}

/// One TCP (optionally TLS) connection to an IRC server over SwiftNIO.
///
/// Pipeline: [`NIOSSLClientHandler`] → `ByteToMessageHandler(IRCLineDecoder)` → `MessageToByteHandler(IRCLineEncoder)`
/// → ``IRCEventBridge``, which yields every line and the end of the stream into ``events``. Writes are whole lines.
final class IRCConnection: Sendable {
    let events: AsyncStream<IRCEvent>
    private let continuation: AsyncStream<IRCEvent>.Continuation
    private let channel: any Channel

    private init(channel: any Channel, events: AsyncStream<IRCEvent>, continuation: AsyncStream<IRCEvent>.Continuation) {
        self.channel = channel
        self.events = events
        self.continuation = continuation
    }

    /// Connects to `host:port` (TLS when `tls` is given). Throws a classified `network` error.
    static func open(
        host: String, port: Int, tls: NIOSSLContext?, connectTimeoutMillis: Int64
    ) async throws(AdapterError) -> IRCConnection {
        let (events, continuation) = AsyncStream.makeStream(of: IRCEvent.self)
        // SNI and certificate name checks need a host name; for an IP literal NIOSSL checks the peer address.
        let serverName = host.isIPAddress ? nil : host
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.milliseconds(max(1_000, connectTimeoutMillis)))
            .channelOption(ChannelOptions.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let tls { try sync.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverName)) }
                    try sync.addHandler(ByteToMessageHandler(IRCLineDecoder()))
                    try sync.addHandler(MessageToByteHandler(IRCLineEncoder()))
                    try sync.addHandler(IRCEventBridge(continuation))
                }
            }
        do {
            let channel = try await bootstrap.connect(host: host, port: port).get()
            return IRCConnection(channel: channel, events: events, continuation: continuation)
        } catch {
            continuation.finish()
            throw classify(error, host: host, port: port)
        }
    }

    /// Writes one line and flushes; throws `network` when the connection cannot take it.
    func write(_ line: IRCLine) async throws(AdapterError) {
        do {
            try await channel.writeAndFlush(line).get()
        } catch {
            throw AdapterError(.network, code: "write", message: "cannot write to the IRC server: \(error)")
        }
    }

    /// Adds an adapter-side event (timer, stop) to ``events``.
    func post(_ event: IRCEvent) { continuation.yield(event) }

    /// Sends `quit` if given (not waited for) and closes. Safe more than once.
    func close(quit: IRCLine? = nil) {
        if let quit { channel.writeAndFlush(quit, promise: nil) }
        channel.close(promise: nil)
    }

    /// Ends ``events`` once nothing more will read it.
    func finishEvents() { continuation.finish() }

    /// A NIO/TLS/socket error as a classified failure: what happened, with host:port (``TransportFailure``).
    static func classify(_ error: any Error, host: String, port: Int) -> AdapterError {
        let failure = TransportFailure(error, host: host, port: port)
        switch failure.kind {
        case .tls: return IRCFailures.classify(.tls, message: failure.description)
        case .dns: return IRCFailures.classify(.dns, message: failure.description)
        default: return IRCFailures.classify(.transport, message: failure.description)
        }
    }
}

/// The last handler: hands lines and the end of the stream to the adapter's event stream.
final class IRCEventBridge: ChannelInboundHandler {
    typealias InboundIn = IRCLineFramer.Output

    private let continuation: AsyncStream<IRCEvent>.Continuation

    init(_ continuation: AsyncStream<IRCEvent>.Continuation) { self.continuation = continuation }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        continuation.yield(.received(unwrapInboundIn(data)))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let address = context.remoteAddress
        continuation.yield(.transportFailed(IRCConnection.classify(
            error, host: address?.ipAddress ?? "server", port: address?.port ?? 0)))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.yield(.closed)
        context.fireChannelInactive()
    }
}

@available(*, unavailable)
extension IRCEventBridge: Sendable {}
