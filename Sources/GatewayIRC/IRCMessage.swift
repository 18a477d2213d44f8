import GatewayNetworking
import GatewayCore
/// One IRC protocol message: `[@tags] [:prefix] COMMAND [params...] [:trailing]`.
///
/// Parsing is a pure function of the line (no CR/LF): see <https://modern.ircdocs.horse/#message-format> and the
/// IRCv3 message-tags spec (<https://ircv3.net/specs/extensions/message-tags>) for tag escaping.
///
/// ```swift
/// let m = IRCMessage(parsing: "@msgid=abc :nick!u@h PRIVMSG #chan :hello there")
/// m?.command   // "PRIVMSG"
/// m?.params    // ["#chan", "hello there"]
/// m?.nick      // "nick"
/// ```
package struct IRCMessage: Sendable, Equatable {
    /// IRCv3 tags, unescaped; a tag without a value maps to "".
    var tags: [String: String]
    /// The source (`nick!user@host` or a server name), without the leading colon.
    var prefix: String?
    /// The command, upper-cased (`PRIVMSG`), or a three-digit numeric (`001`).
    package var command: String
    /// Middle parameters followed by the trailing one (without its colon).
    var params: [String]

    init(tags: [String: String] = [:], prefix: String? = nil, command: String, params: [String] = []) {
        self.tags = tags
        self.prefix = prefix
        self.command = command
        self.params = params
    }

    /// Parses one line (CR/LF already removed). Returns nil when the line holds no command.
    ///
    /// Works on Unicode scalars, not characters: a space followed by a combining mark is still a separator.
    package init?(parsing line: String) {
        typealias Scalars = Substring.UnicodeScalarView
        func text(_ scalars: Scalars) -> String { String(Substring(scalars)) }
        var rest = Substring(line).unicodeScalars
        var tags: [String: String] = [:]
        if rest.first == "@" {
            guard let space = rest.firstIndex(of: " ") else { return nil }
            tags = Self.parseTags(text(rest[rest.index(after: rest.startIndex)..<space]))
            rest = rest[space...]
        }
        rest = rest.drop { $0 == " " }
        var prefix: String?
        if rest.first == ":" {
            guard let space = rest.firstIndex(of: " ") else { return nil }
            prefix = text(rest[rest.index(after: rest.startIndex)..<space])
            rest = rest[space...].drop { $0 == " " }
        }
        let commandEnd = rest.firstIndex(of: " ") ?? rest.endIndex
        let command = text(rest[..<commandEnd])
        guard !command.isEmpty, !command.hasPrefix(":") else { return nil }
        rest = rest[commandEnd...]
        var params: [String] = []
        while true {
            rest = rest.drop { $0 == " " }
            if rest.isEmpty { break }
            if rest.first == ":" {
                params.append(text(rest.dropFirst()))
                break
            }
            let end = rest.firstIndex(of: " ") ?? rest.endIndex
            params.append(text(rest[..<end]))
            rest = rest[end...]
        }
        self.init(tags: tags, prefix: prefix, command: command.uppercased(), params: params)
    }

    /// The nick of the prefix (`nick` of `nick!user@host`), or the whole prefix when it has no `!`/`@`.
    package var nick: String? {
        guard let prefix else { return nil }
        return String(prefix.prefix { $0 != "!" && $0 != "@" })
    }

    /// The parameter at `index`, if present.
    func param(_ index: Int) -> String? { params.indices.contains(index) ? params[index] : nil }

    /// The last parameter (usually the human-readable text).
    var trailing: String? { params.last }

    /// Whether this is a three-digit numeric reply.
    package var isNumeric: Bool { command.count == 3 && command.allSatisfy(\.isASCII) && command.allSatisfy(\.isNumber) }

    // MARK: - Tags

    private static func parseTags(_ text: String) -> [String: String] {
        var tags: [String: String] = [:]
        for item in text.unicodeScalars.split(separator: ";", omittingEmptySubsequences: true) {
            if let equals = item.firstIndex(of: "=") {
                let key = String(String.UnicodeScalarView(item[..<equals]))
                guard !key.isEmpty else { continue }
                tags[key] = unescapeTagValue(String(String.UnicodeScalarView(item[item.index(after: equals)...])))
            } else {
                tags[String(String.UnicodeScalarView(item))] = ""
            }
        }
        return tags
    }

    /// `\:` → `;`, `\s` → space, `\\` → `\`, `\r` → CR, `\n` → LF, `\x` → `x`, a lone trailing `\` is dropped.
    static func unescapeTagValue(_ value: String) -> String {
        guard value.unicodeScalars.contains("\\") else { return value }
        var result = String.UnicodeScalarView()
        var escaping = false
        for scalar in value.unicodeScalars {
            if escaping {
                switch scalar {
                case ":": result.append(";")
                case "s": result.append(" ")
                case "r": result.append("\r")
                case "n": result.append("\n")
                default: result.append(scalar)
                }
                escaping = false
            } else if scalar == "\\" {
                escaping = true
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }
}
