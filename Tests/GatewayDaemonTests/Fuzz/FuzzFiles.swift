import Foundation
import FuzzTargets

/// The committed fuzzing files of a target: seed corpus, crash regressions and libFuzzer dictionary (FUZZING.md).
struct FuzzFiles {
    /// The package's `Fuzz/` folder, found from this file's path.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    let target: FuzzTarget

    /// `Fuzz/Corpus/<target>/`: realistic seeds, by file name.
    var corpus: [(name: String, bytes: [UInt8])] { Self.files(in: "Corpus/\(target.rawValue)") }

    /// `Fuzz/Regressions/<target>/`: inputs that crashed a target once, by file name.
    var regressions: [(name: String, bytes: [UInt8])] { Self.files(in: "Regressions/\(target.rawValue)") }

    /// The tokens of `Fuzz/Dictionaries/<target>.dict` (libFuzzer's format: one `"token"` a line, `\\`, `\"` and
    /// `\xNN` escapes, `#` comments).
    var dictionary: [[UInt8]] {
        let url = Self.root.appendingPathComponent("Dictionaries/\(target.rawValue).dict")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap(Self.token)
    }

    static func files(in folder: String) -> [(name: String, bytes: [UInt8])] {
        let url = root.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: url.appendingPathComponent(name).path) else { return nil }
            return (name, Array(data))
        }
    }

    /// One dictionary line's token, or nil for a comment or a blank line.
    static func token(_ line: Substring) -> [UInt8]? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.hasPrefix("#"), let open = trimmed.firstIndex(of: "\""), trimmed.hasSuffix("\""),
              trimmed.index(after: open) < trimmed.endIndex
        else { return nil }
        let body = Array(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)].utf8)
        var bytes: [UInt8] = []
        var index = 0
        while index < body.count {
            if body[index] == UInt8(ascii: "\\"), index + 1 < body.count {
                if body[index + 1] == UInt8(ascii: "x"), index + 3 < body.count,
                   let value = UInt8(String(decoding: body[(index + 2)...(index + 3)], as: UTF8.self), radix: 16) {
                    bytes.append(value)
                    index += 4
                } else {
                    bytes.append(body[index + 1])
                    index += 2
                }
            } else {
                bytes.append(body[index])
                index += 1
            }
        }
        return bytes.isEmpty ? nil : bytes
    }
}
