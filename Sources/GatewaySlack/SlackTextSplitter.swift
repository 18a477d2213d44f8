/// Splits message text into parts Slack shows whole.
///
/// `chat.postMessage` truncates `text` beyond 40,000 characters and Slack's guidance is to keep a message under
/// 4,000 (https://docs.slack.dev/reference/methods/chat.postMessage, "Truncating content"): parts are at most
/// ``limit`` characters. A part ends at the last line break, else the last space, in its second half; otherwise it
/// is cut at the limit. Characters (grapheme clusters) are never split; joining the parts gives back the text.
enum SlackTextSplitter {
    static let limit = 4_000

    static func split(_ text: String, limit: Int = SlackTextSplitter.limit) -> [String] {
        guard text.count > limit, limit > 1 else { return text.isEmpty ? [] : [text] }
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
