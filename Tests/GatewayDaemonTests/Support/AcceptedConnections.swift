import NIOCore
import Synchronization

/// The connections a local test server accepted and has not closed yet, so that stopping the server can drop them.
///
/// Why it is needed: HummingbirdWebSocket installs its HTTP connection handler — the one that answers a graceful
/// shutdown by closing an idle connection — only once the first request has arrived. async-http-client opens spare
/// connections when requests queue up, and one that never carries a request is then invisible to the shutdown, which
/// waits for it until the client's idle timeout (it hung whole test runs). Install ``handler()`` first in the server
/// channel's pipeline; it sees every accepted child channel.
final class AcceptedConnections: Sendable {
    private let open = Mutex<[ObjectIdentifier: any Channel]>([:])

    var count: Int { open.withLock { $0.count } }

    func handler() -> Handler { Handler(connections: self) }

    /// Closes every connection still open.
    func closeAll() {
        for channel in open.withLock({ Array($0.values) }) { channel.close(promise: nil) }
    }

    fileprivate func accepted(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        open.withLock { $0[key] = channel }
        channel.closeFuture.whenComplete { [self] _ in _ = open.withLock { $0.removeValue(forKey: key) } }
    }

    /// Sits on the server (listening) channel, where each read is a newly accepted child channel.
    final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = any Channel
        typealias InboundOut = any Channel
        private let connections: AcceptedConnections

        fileprivate init(connections: AcceptedConnections) { self.connections = connections }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            connections.accepted(unwrapInboundIn(data))
            context.fireChannelRead(data)
        }
    }
}
