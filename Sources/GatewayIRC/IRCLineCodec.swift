import GatewayNetworking
import GatewayCore
import NIOCore

/// The NIO decoder over ``IRCLineFramer``: bytes in, ``IRCLineFramer/Output`` out.
struct IRCLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = IRCLineFramer.Output

    private var framer = IRCLineFramer()

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let output = framer.next(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(output))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        if let output = framer.last(from: &buffer) { context.fireChannelRead(wrapInboundOut(output)) }
        return .needMoreData
    }
}

/// The NIO encoder: one ``IRCLine`` out as its text plus CR LF. Refuses (fails the write of) a line over 512 bytes.
struct IRCLineEncoder: MessageToByteEncoder {
    typealias OutboundIn = IRCLine

    func encode(data: IRCLine, out: inout ByteBuffer) throws {
        guard data.text.utf8.count + 2 <= IRCLine.maxBytes else { throw IRCLineTooLong(bytes: data.text.utf8.count + 2) }
        out.writeString(data.text)
        out.writeStaticString("\r\n")
    }
}

/// A line we were about to send is longer than IRC allows (a bug in the splitter, never user input reaching the wire).
struct IRCLineTooLong: Error, CustomStringConvertible {
    let bytes: Int
    var description: String { "refused to send a \(bytes)-byte IRC line (limit \(IRCLine.maxBytes))" }
}
