import NIOCore
import Testing

@testable import GatewayCore
@testable import GatewayIRC
@testable import GatewayDaemon
@testable import GatewayRuntime

@Suite("IRC line framer")
struct IRCLineFramerTests {
    /// Feeds `chunks` one after another and collects everything framed, then the end-of-stream remainder.
    func frame(_ chunks: [[UInt8]], maxBytes: Int = IRCLineFramer.defaultMaxBytes) -> [IRCLineFramer.Output] {
        var framer = IRCLineFramer(maxBytes: maxBytes)
        var buffer = ByteBuffer()
        var out: [IRCLineFramer.Output] = []
        for chunk in chunks {
            buffer.writeBytes(chunk)
            while let output = framer.next(from: &buffer) { out.append(output) }
        }
        if let last = framer.last(from: &buffer) { out.append(last) }
        return out
    }

    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("CRLF and bare LF both end a line; empty lines are skipped; stray CRs before LF dropped")
    func terminators() {
        #expect(frame([bytes("A\r\nB\n\r\n\nC\r\r\n")]) == [.line("A"), .line("B"), .line("C")])
    }

    @Test("a line split across reads, even inside CR LF and inside a UTF-8 sequence")
    func splitReads() {
        let text = Array("héllo ✓\r\nnext\r\n".utf8)
        let chunks = text.map { [$0] }  // one byte per read
        #expect(frame(chunks) == [.line("héllo ✓"), .line("next")])
    }

    @Test("an unterminated remainder at end of stream is the last line")
    func remainder() {
        #expect(frame([bytes("ERROR :Closing Link")]) == [.line("ERROR :Closing Link")])
        #expect(frame([bytes("A\r\n\r")]) == [.line("A")])
    }

    @Test("a line of exactly the limit (terminator included) passes; one byte more is dropped and reported")
    func limit() {
        let exact = String(repeating: "a", count: 510)
        #expect(frame([bytes(exact + "\r\n")], maxBytes: 512) == [.line(exact)])
        let over = String(repeating: "a", count: 511)
        #expect(frame([bytes(over + "\r\nok\r\n")], maxBytes: 512) == [.overlong(bytes: 513), .line("ok")])
    }

    @Test("an overlong line without a terminator in sight is discarded as it streams in, then reported once")
    func overlongStreaming() {
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 300)
        #expect(frame([chunk, chunk, chunk, bytes("x\r\nafter\r\n")], maxBytes: 512) == [.overlong(bytes: 903), .line("after")])
        #expect(frame([chunk, chunk], maxBytes: 512) == [.overlong(bytes: 600)], "cut off by the end of stream")
    }

    @Test("the default limit takes 512 bytes plus 8191 bytes of tags")
    func defaultLimit() {
        let tagged = "@" + String(repeating: "t", count: 8190) + " " + String(repeating: "m", count: 510)
        #expect(tagged.utf8.count + 2 > IRCLineFramer.defaultMaxBytes)
        #expect(frame([bytes(tagged + "\r\n")]) == [.overlong(bytes: tagged.utf8.count + 2)])
        let fits = "@" + String(repeating: "t", count: 8000) + " PRIVMSG #c :hi"
        #expect(frame([bytes(fits + "\r\n")]) == [.line(fits)])
    }

    @Test("invalid UTF-8 is read as Latin-1, byte for byte, without crashing")
    func invalidUTF8() {
        // "caf\xe9" (Latin-1 é), a lone continuation byte, a truncated 3-byte sequence, NUL and 0xFF.
        let raw: [UInt8] = bytes("PRIVMSG #c :caf") + [0xE9, 0x20, 0x80, 0x20, 0xE2, 0x9C, 0x20, 0x00, 0xFF] + bytes("\r\n")
        #expect(frame([raw]) == [.line("PRIVMSG #c :caf\u{E9} \u{80} \u{E2}\u{9C} \u{0}\u{FF}")])
        #expect(frame([bytes("ok ✓\n")]) == [.line("ok ✓")], "valid UTF-8 stays UTF-8")
    }

    @Test("the encoder refuses a line over 512 bytes (a bug guard, not user input)")
    func encoder() throws {
        var out = ByteBuffer()
        try IRCLineEncoder().encode(data: .make("PRIVMSG", ["#c", "hi"], trailing: true), out: &out)
        #expect(out.readString(length: out.readableBytes) == "PRIVMSG #c :hi\r\n")
        #expect(throws: IRCLineTooLong.self) {
            try IRCLineEncoder().encode(data: .make("PRIVMSG", ["#c", String(repeating: "x", count: 500)]), out: &out)
        }
    }
}
