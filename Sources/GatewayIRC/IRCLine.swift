import GatewayNetworking
import GatewayCore
/// A line we send: the wire text (without CR LF) and the form that may be logged.
///
/// Built only through ``make(_:_:)``, which strips CR, LF and NUL from every parameter (no command injection through
/// user text) and hides the payload of `PASS` and `AUTHENTICATE` in ``logText``.
package struct IRCLine: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// What goes on the wire, without the CR LF.
    package let text: String
    /// What may be logged: secrets replaced by `<redacted>`.
    let logText: String

    /// The longest line we send, CR LF included (RFC 1459 §2.3).
    static let maxBytes = 512

    package var description: String { logText }

    package var debugDescription: String { logText }

    /// Only the redacted form: `dump`, test failure messages and string interpolation never show a PASS payload.
    package var customMirror: Mirror { Mirror(self, children: ["logText": logText], displayStyle: .struct) }

    /// Builds `COMMAND p1 p2 :last`. The last parameter gets a colon when `trailing` says so (free text) or when it
    /// needs one (empty, contains a space, starts with a colon); middle parameters lose spaces. Unsafe characters
    /// (CR, LF, NUL) are removed.
    static func make(_ command: String, _ params: [String] = [], trailing: Bool = false) -> IRCLine {
        var parts = [clean(command).filter { $0 != " " }]
        for (index, raw) in params.enumerated() {
            var param = clean(raw)
            if index == params.count - 1 {
                if trailing || param.isEmpty || param.contains(" ") || param.hasPrefix(":") { param = ":" + param }
            } else {
                param = param.filter { $0 != " " }
                if param.hasPrefix(":") { param.removeFirst() }
            }
            parts.append(param)
        }
        let text = parts.joined(separator: " ")
        return IRCLine(text: text, logText: redactedForLog(command: parts[0].uppercased(), params: params, text: text))
    }

    private init(text: String, logText: String) {
        self.text = text
        self.logText = logText
    }

    private static func clean(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.filter { $0 != "\r" && $0 != "\n" && $0 != "\0" }))
    }

    /// PASS and AUTHENTICATE payloads (except the mechanism name, `+` and `*`) never reach a log line.
    private static func redactedForLog(command: String, params: [String], text: String) -> String {
        switch command {
        case "PASS":
            return "PASS <redacted>"
        case "AUTHENTICATE":
            if let first = params.first, params.count == 1, ["PLAIN", "EXTERNAL", "+", "*"].contains(first) { return text }
            return "AUTHENTICATE <redacted>"
        default:
            return text
        }
    }
}
