import GatewayNetworking
import GatewayCore
/// Splits user text into PRIVMSG-sized pieces.
///
/// Line breaks start a new message (IRC has no multi-line message; a CR or LF inside a line would end the line on the
/// wire); empty lines are dropped. A line longer than the limit is cut at a space in the second half of the window when
/// there is one, else at the last character (grapheme) boundary that fits; a single character longer than the limit
/// (a pathological combining sequence) is cut between Unicode scalars. Never inside a UTF-8 sequence.
enum IRCTextSplitter {
    /// The usual budget for the text of one PRIVMSG.
    static let defaultMaxBytes = 440

    /// The text budget for `PRIVMSG target :text` as the server relays it with our prefix, inside 512 bytes with
    /// CR LF; at most ``defaultMaxBytes``. `prefix` is our `nick!user@host` as the server showed it (from our JOIN
    /// echo); without it, the worst case is assumed (`nick!~` + 10-byte user + `@` + 63-byte host).
    static func maxTextBytes(target: String, nick: String, prefix: String? = nil) -> Int {
        let relayedPrefix = 1 + (prefix?.utf8.count ?? (nick.utf8.count + 2 + 10 + 1 + 63)) + 1
        let command = "PRIVMSG ".utf8.count + target.utf8.count + 2
        return max(32, min(defaultMaxBytes, IRCLine.maxBytes - 2 - relayedPrefix - command))
    }

    /// The pieces of `text`, each at most `maxBytes` bytes of UTF-8.
    static func split(_ text: String, maxBytes: Int = defaultMaxBytes) -> [String] {
        let limit = max(4, maxBytes)
        var pieces: [String] = []
        for line in lines(of: text) {
            var rest = Substring(line)
            while rest.utf8.count > limit {
                let (head, tail) = cut(rest, limit: limit)
                pieces.append(String(head))
                rest = tail
            }
            if !rest.isEmpty { pieces.append(String(rest)) }
        }
        return pieces
    }

    /// The lines of `text`, split at CR LF, LF or CR, without NULs; empty lines dropped.
    private static func lines(of text: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\r", "\n":
                if !current.isEmpty { lines.append(String(current)) }
                current = String.UnicodeScalarView()
            case "\0":
                continue
            default:
                current.append(scalar)
            }
        }
        if !current.isEmpty { lines.append(String(current)) }
        return lines
    }

    /// The first piece (≤ `limit` bytes, not empty) and what remains.
    private static func cut(_ text: Substring, limit: Int) -> (Substring, Substring) {
        var bytes = 0
        var fitEnd = text.startIndex
        var lastSpace: (index: Substring.Index, bytes: Int)?
        for index in text.indices {
            let character = text[index]
            let size = character.utf8.count
            if bytes + size > limit { break }
            if character == " " { lastSpace = (index, bytes) }
            bytes += size
            fitEnd = text.index(after: index)
        }
        if let space = lastSpace, space.bytes >= limit / 2 {
            return (text[..<space.index], text[text.index(after: space.index)...])
        }
        if fitEnd > text.startIndex { return (text[..<fitEnd], text[fitEnd...]) }
        // The first character alone is over the limit: cut between its scalars.
        var scalarBytes = 0
        var scalarEnd = text.unicodeScalars.startIndex
        for index in text.unicodeScalars.indices {
            let size = UTF8.width(text.unicodeScalars[index])
            if scalarBytes + size > limit { break }
            scalarBytes += size
            scalarEnd = text.unicodeScalars.index(after: index)
        }
        // Slice the scalar view: a character-view subscript would round the index down to a character boundary.
        if scalarEnd == text.unicodeScalars.startIndex { scalarEnd = text.unicodeScalars.index(after: scalarEnd) }
        return (Substring(text.unicodeScalars[..<scalarEnd]), Substring(text.unicodeScalars[scalarEnd...]))
    }
}
