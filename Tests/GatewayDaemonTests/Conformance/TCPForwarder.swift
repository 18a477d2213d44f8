import NIOCore
import NIOPosix
import Synchronization

/// A loopback TCP forwarder in front of a server: counts the connections it accepts, and can stop listening (its
/// port then refuses, every forwarded connection is dropped) and listen again on the same port.
///
/// The conformance suite puts it between the daemon and a real server that cannot count logins (ngircd), and uses
/// it to let the server's own test clients in before the daemon can reach it again.
final class TCPForwarder: Sendable {
    private struct State {
        var listener: (any Channel)?
        var children: [ObjectIdentifier: any Channel] = [:]
        var accepted = 0
        var port = 0
    }
    private let state = Mutex(State())
    private let upstreamPort: Int

    init(upstreamPort: Int) { self.upstreamPort = upstreamPort }

    var port: Int { state.withLock { $0.port } }
    /// Connections accepted since it was made.
    var accepted: Int { state.withLock { $0.accepted } }

    /// Listens on its port (a free one the first time).
    func start() async throws {
        let upstream = upstreamPort
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { [self] child in
                track(child)
                let inbound = Glue()
                let outbound = Glue()
                return child.pipeline.addHandler(inbound).flatMap {
                    ClientBootstrap(group: child.eventLoop)
                        .channelInitializer { $0.pipeline.addHandler(outbound) }
                        .connect(host: "127.0.0.1", port: upstream)
                }.flatMap { server in
                    inbound.peer = server
                    outbound.peer = child
                    return child.setOption(.autoRead, value: true)
                }.flatMapError { _ in child.close() }
            }
            .bind(host: "127.0.0.1", port: port).get()
        state.withLock {
            $0.listener = listener
            $0.port = listener.localAddress?.port ?? 0
        }
    }

    /// Stops listening and drops every forwarded connection.
    func stop() async {
        let (listener, children) = state.withLock { state in
            defer { state.listener = nil; state.children = [:] }
            return (state.listener, Array(state.children.values))
        }
        try? await listener?.close()
        for child in children { try? await child.close() }
    }

    private func track(_ child: any Channel) {
        let key = ObjectIdentifier(child)
        state.withLock {
            $0.accepted += 1
            $0.children[key] = child
        }
        child.closeFuture.whenComplete { [self] _ in _ = state.withLock { $0.children.removeValue(forKey: key) } }
    }

    /// Copies what one side reads to the other; closes the other when one side closes. Both glues of a pair run on
    /// the accepted connection's event loop, and `peer` is set before reading starts.
    private final class Glue: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        var peer: (any Channel)?

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            peer?.writeAndFlush(unwrapInboundIn(data), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            peer?.close(promise: nil)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }
}
