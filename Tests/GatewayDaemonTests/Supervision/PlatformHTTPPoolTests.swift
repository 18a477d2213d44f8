import AsyncHTTPClient
import Foundation
import GatewayNetworking
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// The shared HTTP client holds as many connections to one host as there are bots polling it: each Telegram bot
/// keeps a long poll open all the time, and with AsyncHTTPClient's default of 8 per host a ninth bot could not log in
/// until another's poll ended.
@Suite("Platform HTTP client: connections per host")
struct PlatformHTTPPoolTests {
    /// The connections a silent server accepted.
    final class Accepted: Sendable {
        let channels = Mutex<[any Channel]>([])
        var count: Int { channels.withLock { $0.count } }
    }

    /// Accepts connections, reads what comes, never answers: every request stays in flight on its own connection.
    final class Silent: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let accepted: Accepted
        init(_ accepted: Accepted) { self.accepted = accepted }
        func channelActive(context: ChannelHandlerContext) {
            let channel = context.channel
            accepted.channels.withLock { $0.append(channel) }
        }
    }

    @Test("20 requests held open at once to one plain-HTTP host are 20 connections, none queued behind another")
    func twentyAtOnce() async throws {
        let accepted = Accepted()
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture { try child.pipeline.syncOperations.addHandler(Silent(accepted)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        let requests = Task {
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/bot\(index)/getUpdates")
                        _ = try? await PlatformHTTP.client.execute(request, timeout: .seconds(60))
                    }
                }
            }
        }
        try await waitUntil("20 connections are open", timeout: .seconds(30), every: .milliseconds(20)) {
            accepted.count >= 20
        }
        #expect(accepted.count == 20)
        for channel in accepted.channels.withLock({ $0 }) { channel.close(promise: nil) }
        _ = await requests.value
        try await server.close()
    }
}
