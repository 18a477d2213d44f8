/// Splits a migration file into statements: PostgreSQL's extended query protocol (what postgres-nio speaks) runs one
/// statement per query. Splits at `;` outside quotes ('…', "…"), dollar quotes ($$…$$, $tag$…$tag$) and comments
/// (-- to the end of the line, /* … */); drops what is only whitespace and comments.
enum SQLScript {
    static func statements(_ script: String) -> [String] {
        let bytes = Array(script.utf8)
        var statements: [String] = []
        var start = 0, index = 0, meaningful = false
        func flush(upTo end: Int) {
            if meaningful, let text = String(validating: bytes[start..<end], as: UTF8.self) {
                statements.append(text.trimmingWhitespace())
            }
            start = end + 1
            meaningful = false
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "-"):
                while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
                continue
            case UInt8(ascii: "/") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "*"):
                index += 2
                while index + 1 < bytes.count && !(bytes[index] == UInt8(ascii: "*") && bytes[index + 1] == UInt8(ascii: "/")) {
                    index += 1
                }
                index += 2
                continue
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                meaningful = true
                index += 1
                while index < bytes.count && bytes[index] != byte { index += 1 }
            case UInt8(ascii: "$"):
                meaningful = true
                var end = index + 1
                while end < bytes.count, bytes[end] == UInt8(ascii: "_") || (bytes[end] | 0x20 >= UInt8(ascii: "a") && bytes[end] | 0x20 <= UInt8(ascii: "z")) {
                    end += 1
                }
                if end < bytes.count && bytes[end] == UInt8(ascii: "$") {
                    let tag = bytes[index...end]
                    var scan = end + 1
                    while scan < bytes.count && !bytes[scan...].starts(with: tag) { scan += 1 }
                    index = min(bytes.count, scan + tag.count)
                    continue
                }
            case UInt8(ascii: ";"):
                flush(upTo: index)
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                break
            default:
                meaningful = true
            }
            index += 1
        }
        flush(upTo: bytes.count)
        return statements
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
