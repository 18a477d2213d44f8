import NIOCore
import NIOPosix
import Synchronization

/// A fake IRC server on 127.0.0.1:0 for failures a real server will not produce on demand (throttling, bans):
/// for each line a client sends, `reply` returns the lines to answer and whether to close afterwards; ``push(_:)``
/// sends a line on its own (to every open connection).
final class ScriptedIRCServer: Sendable {
    typealias Reply = @Sendable (_ line: String) -> (lines: [String], close: Bool)

    private let channel: any Channel
    private let received: RawIRCClient.Recorder
    private let clients: Clients
    var port: Int { channel.localAddress?.port ?? 0 }
    /// Every line any client sent, in order.
    var lines: [String] { received.all }

    init(reply: @escaping Reply) async throws {
        let recorder = RawIRCClient.Recorder()
        let clients = Clients()
        received = recorder
        self.clients = clients
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                clients.add(child)
                return child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(Handler(recorder: recorder, reply: reply))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func close() async { try? await channel.close() }

    /// Sends `line` (CR LF added) to every connection still open.
    func push(_ line: String) async throws {
        for client in clients.open {
            var buffer = client.allocator.buffer(capacity: line.utf8.count + 2)
            buffer.writeString(line + "\r\n")
            try await client.writeAndFlush(buffer).get()
        }
    }

    private final class Clients: Sendable {
        private let channels = Mutex<[any Channel]>([])
        func add(_ channel: any Channel) { channels.withLock { $0.append(channel) } }
        var open: [any Channel] { channels.withLock { $0.filter(\.isActive) } }
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        private let recorder: RawIRCClient.Recorder
        private let reply: Reply
        private var pending = [UInt8]()

        init(recorder: RawIRCClient.Recorder, reply: @escaping Reply) {
            self.recorder = recorder
            self.reply = reply
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            pending += buffer.readBytes(length: buffer.readableBytes) ?? []
            while let newline = pending.firstIndex(of: 10) {
                var line = String(decoding: pending[..<newline], as: UTF8.self)
                if line.hasSuffix("\r") { line.removeLast() }
                pending.removeSubrange(...newline)
                recorder.append(line)
                let (lines, close) = reply(line)
                var out = context.channel.allocator.buffer(capacity: 256)
                for reply in lines { out.writeString(reply + "\r\n") }
                if close {
                    let channel = context.channel
                    context.writeAndFlush(wrapOutboundOut(out)).whenComplete { _ in channel.close(promise: nil) }
                    return
                }
                if !lines.isEmpty { context.writeAndFlush(wrapOutboundOut(out), promise: nil) }
            }
        }
    }
}
