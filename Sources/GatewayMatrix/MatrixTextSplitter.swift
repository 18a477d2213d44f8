/// Splits a long text into event bodies that fit Synapse's 65,536-byte event limit (`max_event_size`, counted on
/// the event's canonical JSON with its envelope and signatures).
///
/// The limit is 10,000 UTF-8 bytes of body: JSON escaping makes a control character at most 6 bytes (`\u001f`),
/// so even the worst body stays under 60,000 bytes, leaving room for the envelope. Cuts at the last newline, else
/// the last space, in the second half of a part; else at a character boundary (never inside a grapheme).
enum MatrixTextSplitter {
    static let maxBodyBytes = 10_000

    static func split(_ text: String, maxBytes: Int = maxBodyBytes) -> [String] {
        guard text.utf8.count > maxBytes else { return [text] }
        var parts: [String] = []
        var rest = Substring(text)
        while rest.utf8.count > maxBytes {
            var end = rest.startIndex
            var bytes = 0
            for index in rest.indices {
                let size = rest[index].utf8.count
                if bytes + size > maxBytes { break }
                bytes += size
                end = rest.index(after: index)
            }
            if end == rest.startIndex { end = rest.index(after: rest.startIndex) }  // one grapheme above the limit
            let window = rest[..<end]
            let half = window.index(window.startIndex, offsetBy: window.count / 2)
            var cut = end
            if let newline = window[half...].lastIndex(of: "\n") {
                cut = window.index(after: newline)
            } else if let space = window[half...].lastIndex(of: " ") {
                cut = window.index(after: space)
            }
            parts.append(String(rest[..<cut]))
            rest = rest[cut...]
        }
        if !rest.isEmpty { parts.append(String(rest)) }
        return parts
    }
}
