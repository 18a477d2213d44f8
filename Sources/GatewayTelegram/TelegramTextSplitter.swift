import GatewayNetworking
import GatewayCore
/// Splits a text into `sendMessage`-sized parts.
///
/// Telegram limits a message to 4096 characters *as UTF-16 code units* (an emoji outside the BMP counts 2). A part
/// never splits a grapheme cluster (so never a surrogate pair), unless one cluster alone exceeds the limit. Where a
/// part must end, it prefers the last newline in its second half, then the last whitespace, then a hard cut; the
/// newline or space it breaks at is dropped (Telegram trims it anyway). Parts that would be only whitespace are dropped.
enum TelegramTextSplitter {
    static let limit = 4_096

    static func split(_ text: String, limit: Int = TelegramTextSplitter.limit) -> [String] {
        let limit = max(2, limit)  // a surrogate pair must fit
        var parts: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            if rest.utf16.count <= limit {
                parts.append(String(rest))
                break
            }
            if let cut = cutPoint(in: rest, limit: limit) {
                parts.append(String(rest[..<cut.end]))
                rest = rest[cut.resume...]
            } else {
                // One grapheme cluster longer than the limit: cut between its Unicode scalars.
                let scalars = rest.unicodeScalars
                let end = scalarCut(in: scalars, limit: limit)
                parts.append(String(scalars[..<end]))
                rest = Substring(scalars[end...])
            }
        }
        return parts.filter { !$0.allSatisfy(\.isWhitespace) }
    }

    /// Where the next part ends, and where the one after it starts (past a dropped separator); nil when not even
    /// the first grapheme cluster fits.
    private static func cutPoint(in text: Substring, limit: Int) -> (end: String.Index, resume: String.Index)? {
        var units = 0
        var fits = text.startIndex
        var lastNewline: String.Index?
        var lastSpace: String.Index?
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let size = character.utf16.count
            if units + size > limit { break }
            units += size
            if character.isNewline {
                lastNewline = index
            } else if character.isWhitespace {
                lastSpace = index
            }
            index = text.index(after: index)
            fits = index
        }
        if fits == text.startIndex { return nil }
        let half = text.utf16.index(text.startIndex, offsetBy: limit / 2)
        let separator: String.Index? =
            if let lastNewline, lastNewline >= half { lastNewline } else { [lastSpace, lastNewline].compactMap(\.self).max() }
        if let separator, separator > text.startIndex {
            return (separator, text.index(after: separator))
        }
        return (fits, fits)
    }

    private static func scalarCut(in scalars: Substring.UnicodeScalarView, limit: Int) -> String.Index {
        var units = 0
        var end = scalars.startIndex
        for index in scalars.indices {
            let size = scalars[index].utf16.count
            if units + size > limit { break }
            units += size
            end = scalars.index(after: index)
        }
        return end
    }
}
