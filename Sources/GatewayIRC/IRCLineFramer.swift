import GatewayNetworking
import GatewayCore
import NIOCore

/// Cuts a byte stream into IRC lines: CR LF or a bare LF ends a line, trailing CRs are dropped, empty lines skipped.
///
/// A line longer than ``maxBytes`` (terminator included) is discarded whole and reported as `.overlong`, so a hostile
/// or broken server cannot grow our buffer without bound. The default allows the 512 bytes of RFC 1459 plus the 8191
/// bytes IRCv3 message-tags may add in front. Bytes that are not valid UTF-8 are read as Latin-1 (as HexChat and
/// irssi's fallback charset do): every byte becomes a character, nothing crashes and nothing is lost.
package struct IRCLineFramer: Sendable {
    package enum Output: Sendable, Equatable {
        case line(String)
        /// A line over the limit was dropped; `bytes` is how long it was (terminator included).
        case overlong(bytes: Int)
    }

    /// 512 bytes of message plus 8191 bytes of tags.
    package static let defaultMaxBytes = 512 + 8191

    package let maxBytes: Int
    private var discarding = false
    private var discarded = 0

    package init(maxBytes: Int = IRCLineFramer.defaultMaxBytes) {
        self.maxBytes = max(3, maxBytes)
    }

    /// The next complete line (or overlong report) in `buffer`, consuming it; nil when more bytes are needed.
    package mutating func next(from buffer: inout ByteBuffer) -> Output? {
        while true {
            let view = buffer.readableBytesView
            guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
                if discarding || view.count >= maxBytes {
                    // No terminator within the limit: drop what we have and keep dropping until the next LF.
                    discarding = true
                    discarded += view.count
                    buffer.moveReaderIndex(forwardBy: view.count)
                }
                return nil
            }
            let length = newline - view.startIndex
            if discarding || length + 1 > maxBytes {
                let total = discarded + length + 1
                discarding = false
                discarded = 0
                buffer.moveReaderIndex(forwardBy: length + 1)
                return .overlong(bytes: total)
            }
            let bytes = view[view.startIndex..<newline]
            buffer.moveReaderIndex(forwardBy: length + 1)
            if let line = Self.text(of: bytes) { return .line(line) }
        }
    }

    /// At end of stream: the unterminated remainder as a last line, if any.
    package mutating func last(from buffer: inout ByteBuffer) -> Output? {
        if let output = next(from: &buffer) { return output }
        let view = buffer.readableBytesView
        buffer.moveReaderIndex(forwardBy: view.count)
        if discarding {
            discarding = false
            defer { discarded = 0 }
            return .overlong(bytes: discarded + view.count)
        }
        return Self.text(of: view[...]).map(Output.line)
    }

    /// The text of a line's bytes without trailing CRs; nil when nothing is left.
    static func text(of bytes: ByteBufferView.SubSequence) -> String? {
        var end = bytes.endIndex
        while end > bytes.startIndex, bytes[bytes.index(before: end)] == UInt8(ascii: "\r") { end = bytes.index(before: end) }
        let content = bytes[bytes.startIndex..<end]
        guard !content.isEmpty else { return nil }
        return decode(content)
    }

    /// UTF-8 when valid, else Latin-1 (one character per byte).
    static func decode(_ bytes: some Collection<UInt8>) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }
}
