import GatewayNetworking
import GatewayCore
/// Splits message text into parts Discord accepts (≤ 2000 characters each).
///
/// A part ends at the last line break, else the last space, in its second half; otherwise it is cut at the limit.
/// Characters (grapheme clusters) are never split. Joining the parts gives back the text.
///
/// ```swift
/// MessageSplitter.split(String(repeating: "a", count: 4500)).map(\.count)  // [2000, 2000, 500]
/// ```
enum MessageSplitter {
    static let limit = 2000

    static func split(_ text: String, limit: Int = MessageSplitter.limit) -> [String] {
        guard text.count > limit, limit > 1 else { return [text] }
        var parts: [String] = []
        var rest = Substring(text)
        while rest.count > limit {
            let window = rest.prefix(limit)
            let half = window.index(window.startIndex, offsetBy: limit / 2)
            let cut: Substring.Index
            if let newline = window[half...].lastIndex(where: \.isNewline) {
                cut = window.index(after: newline)
            } else if let space = window[half...].lastIndex(of: " ") {
                cut = window.index(after: space)
            } else {
                cut = window.endIndex
            }
            parts.append(String(rest[..<cut]))
            rest = rest[cut...]
        }
        if !rest.isEmpty { parts.append(String(rest)) }
        return parts
    }
}
