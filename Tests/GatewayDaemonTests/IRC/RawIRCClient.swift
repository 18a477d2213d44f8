import NIOCore
import NIOPosix
import Synchronization
import Testing

/// A second, independent IRC client for the tests (its own tiny NIO pipeline, not the adapter's code): registers a
/// nick, sends raw lines, records every line it receives and answers PINGs.
final class RawIRCClient: Sendable {
    private let channel: any Channel
    private let lines: Recorder

    private init(channel: any Channel, lines: Recorder) {
        self.channel = channel
        self.lines = lines
    }

    /// Connects, registers `nick` and waits for the welcome (001).
    static func connect(port: Int, nick: String, password: String? = nil) async throws -> RawIRCClient {
        let recorder = Recorder()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Handler(recorder)) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let client = RawIRCClient(channel: channel, lines: recorder)
        if let password { try await client.send("PASS \(password)") }
        try await client.send("NICK \(nick)")
        try await client.send("USER \(nick) 0 * :raw test client")
        _ = try await client.waitFor("the welcome for \(nick)") { $0.contains(" 001 \(nick) ") }
        return client
    }

    func send(_ line: String) async throws {
        var buffer = channel.allocator.buffer(capacity: line.utf8.count + 2)
        buffer.writeString(line + "\r\n")
        try await channel.writeAndFlush(buffer).get()
    }

    /// Sends raw bytes (e.g. text that is not UTF-8) followed by CR LF.
    func send(bytes: [UInt8]) async throws {
        var buffer = channel.allocator.buffer(capacity: bytes.count + 2)
        buffer.writeBytes(bytes + [13, 10])
        try await channel.writeAndFlush(buffer).get()
    }

    var received: [String] { lines.all }

    /// Waits (real time, bounded) for a received line matching `predicate`, and returns it.
    @discardableResult
    func waitFor(
        _ what: String, timeout: Duration = .seconds(60), sourceLocation: SourceLocation = #_sourceLocation,
        _ predicate: (String) -> Bool
    ) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = lines.all.first(where: predicate) { return line }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("raw client: timed out waiting for \(what); got:\n\(lines.all.suffix(20).joined(separator: "\n"))", sourceLocation: sourceLocation)
        throw NgircdError("timed out waiting for \(what)")
    }

    /// Waits until `nick` is seen in `channel`: in the NAMES reply after our JOIN, or by its own JOIN after ours.
    func waitForMember(_ nick: String, in channel: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await waitFor("\(nick) in \(channel)", sourceLocation: sourceLocation) { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { return false }
            let joined = fields[0].hasPrefix(":\(nick)!") && fields[1] == "JOIN" && fields[2].drop { $0 == ":" } == channel
            let names = fields[1] == "353" && fields.contains(Substring(channel))
                && (line.split(separator: ":").last ?? "").split(separator: " ").contains { $0.drop { "~&@%+".contains($0) } == nick }
            return names || joined
        }
    }

    func close() async { try? await channel.close() }

    final class Recorder: Sendable {
        private let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
        func append(_ line: String) { lines.withLock { $0.append(line) } }
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        private let recorder: Recorder
        private var pending = [UInt8]()

        init(_ recorder: Recorder) { self.recorder = recorder }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            pending += buffer.readBytes(length: buffer.readableBytes) ?? []
            while let newline = pending.firstIndex(of: 10) {
                let line = String(decoding: pending[..<newline], as: UTF8.self).trimmingSuffix("\r")
                pending.removeSubrange(...newline)
                recorder.append(line)
                if line.hasPrefix("PING ") {
                    var reply = context.channel.allocator.buffer(capacity: line.utf8.count)
                    reply.writeString("PONG " + line.dropFirst(5) + "\r\n")
                    context.writeAndFlush(wrapOutboundOut(reply), promise: nil)
                }
            }
        }
    }
}

private extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
