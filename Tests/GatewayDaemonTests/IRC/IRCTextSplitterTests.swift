import Testing

@testable import GatewayCore
@testable import GatewayIRC
@testable import GatewayDaemon
@testable import GatewayRuntime

@Suite("IRC text splitting")
struct IRCTextSplitterTests {
    @Test("short text is one piece; line breaks start new pieces; empty lines and NULs vanish")
    func lines() {
        #expect(IRCTextSplitter.split("hello") == ["hello"])
        #expect(IRCTextSplitter.split("a\nb\r\nc\rd\n\n\r\n e\0") == ["a", "b", "c", "d", " e"])
        #expect(IRCTextSplitter.split("\n\r\n").isEmpty)
    }

    @Test("long text splits at a space within 440 bytes, and nothing is lost but the split spaces")
    func atSpaces() {
        let words = (1...200).map { "word\($0)" }
        let text = words.joined(separator: " ")
        let pieces = IRCTextSplitter.split(text)
        #expect(pieces.count > 1)
        #expect(pieces.allSatisfy { $0.utf8.count <= 440 && !$0.hasPrefix(" ") && !$0.hasSuffix(" ") })
        #expect(pieces.joined(separator: " ") == text)
        #expect(pieces.dropLast().allSatisfy { $0.utf8.count > 220 }, "no tiny fragments")
    }

    @Test("no space: cut at the last whole character that fits, never inside a UTF-8 sequence")
    func multibyte() {
        let text = String(repeating: "é", count: 300)  // 2 bytes each: 600 bytes
        let pieces = IRCTextSplitter.split(text)
        #expect(pieces.map(\.utf8.count) == [440, 160])
        #expect(pieces.joined() == text)
        let emoji = String(repeating: "👍🏽", count: 100)  // 8 bytes per grapheme (two scalars)
        let cut = IRCTextSplitter.split(emoji)
        #expect(cut.map(\.utf8.count) == [440, 360], "whole graphemes: 55 × 8 bytes")
        #expect(cut.joined() == emoji)
    }

    @Test("a space too early in the window is ignored (no tiny piece)")
    func earlySpace() {
        let text = "hi " + String(repeating: "x", count: 600)
        let pieces = IRCTextSplitter.split(text)
        #expect(pieces[0].utf8.count == 440 && pieces[0].hasPrefix("hi x"))
        #expect(pieces.joined() == text)
    }

    @Test("one grapheme over the limit is cut between its scalars")
    func giantGrapheme() {
        let zalgo = "a" + String(repeating: "\u{301}", count: 300)  // one character, 601 bytes
        let pieces = IRCTextSplitter.split(zalgo)
        #expect(pieces.allSatisfy { $0.utf8.count <= 440 } && pieces.joined().unicodeScalars.elementsEqual(zalgo.unicodeScalars))
    }

    @Test("the budget shrinks for long targets and nicks so the relayed line stays within 512 bytes")
    func budget() {
        #expect(IRCTextSplitter.maxTextBytes(target: "#c", nick: "gwbot") == 415, "worst-case prefix")
        #expect(IRCTextSplitter.maxTextBytes(target: "#c", nick: "gwbot", prefix: "gwbot!~gwbot@127.0.0.1") == 440, "known prefix")
        let target = "#" + String(repeating: "c", count: 49)
        let budget = IRCTextSplitter.maxTextBytes(target: target, nick: "gwbot")
        let relayed = ":gwbot!~0123456789@" + String(repeating: "h", count: 63) + " PRIVMSG \(target) :" + String(repeating: "x", count: budget) + "\r\n"
        #expect(relayed.utf8.count <= 512)
        #expect(IRCTextSplitter.maxTextBytes(target: "#c", nick: "n") <= IRCTextSplitter.defaultMaxBytes)
    }
}
