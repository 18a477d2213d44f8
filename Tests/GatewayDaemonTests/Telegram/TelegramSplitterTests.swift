import Testing

@testable import GatewayCore
@testable import GatewayTelegram
@testable import GatewayDaemon
@testable import GatewayRuntime

/// Telegram counts a message's length in UTF-16 code units; parts must fit and must not break characters.
@Suite("Telegram text splitter")
struct TelegramSplitterTests {
    @Test("a text that fits is one part; exactly 4096 units fits")
    func fits() {
        #expect(TelegramTextSplitter.split("hello") == ["hello"])
        let exact = String(repeating: "a", count: 4_096)
        #expect(TelegramTextSplitter.split(exact) == [exact])
        #expect(TelegramTextSplitter.split("") == [])
    }

    @Test("counts UTF-16 units, not characters: 2048 emoji fill one part, the 2049th starts another")
    func utf16Counting() {
        let emoji = String(repeating: "🙂", count: 2_049)  // 2049 characters, 4098 units
        let parts = TelegramTextSplitter.split(emoji)
        #expect(parts.count == 2)
        #expect(parts[0].utf16.count == 4_096 && parts[1] == "🙂")
        let offset = "a" + String(repeating: "🙂", count: 2_048)  // 4097 units: the pair at the end must not split
        let shifted = TelegramTextSplitter.split(offset)
        #expect(shifted.map(\.utf16.count) == [4_095, 2] && shifted.joined() == offset)
    }

    @Test("prefers the last newline in the second half, then whitespace, then a hard cut")
    func breakPoints() {
        let lines = String(repeating: "x", count: 3_000) + "\n" + String(repeating: "y", count: 500) + " " + String(repeating: "z", count: 1_000)
        #expect(TelegramTextSplitter.split(lines).map(\.count) == [3_000, 1_501])
        let early = String(repeating: "x", count: 100) + "\n" + String(repeating: "y", count: 3_000) + " " + String(repeating: "z", count: 1_000)
        #expect(TelegramTextSplitter.split(early).map(\.count) == [3_101, 1_000], "a newline in the first half loses to a later space")
        let word = String(repeating: "w", count: 5_000)
        #expect(TelegramTextSplitter.split(word).map(\.count) == [4_096, 904])
    }

    @Test("small limits: every part fits, words and lines survive, whitespace-only parts are dropped")
    func smallLimit() {
        let text = "alpha beta gamma\ndelta   \n\n\n      epsilon"
        let parts = TelegramTextSplitter.split(text, limit: 10)
        #expect(parts.allSatisfy { $0.utf16.count <= 10 && !$0.allSatisfy(\.isWhitespace) })
        #expect(parts.joined(separator: " ").split(whereSeparator: \.isWhitespace) == text.split(whereSeparator: \.isWhitespace))
    }

    @Test("one grapheme cluster longer than the limit is cut between its scalars")
    func hugeCluster() {
        let zalgo = "e" + String(repeating: "\u{0301}", count: 5_000)  // one Character, 5001 units
        let parts = TelegramTextSplitter.split(zalgo)
        #expect(parts.count == 2 && parts.allSatisfy { $0.utf16.count <= 4_096 })
        #expect(parts.joined().unicodeScalars.count == zalgo.unicodeScalars.count)
    }
}
