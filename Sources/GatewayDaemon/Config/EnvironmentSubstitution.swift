import GatewayCore
import GatewayRuntime
import GatewayNetworking
/// `${VAR}` substitution in configuration values: `${NAME}` is replaced by the variable's value, `$$` is a literal `$`,
/// and any other `$` is kept as written.
///
/// It runs on scalar values after YAML parsing, so a substituted secret containing `: ` or `#` cannot change the
/// document's structure. Failures carry no part of the value (it may be a secret), only the variable name when it is
/// a well-formed one.
enum EnvironmentSubstitution {
    /// Why a value could not be substituted.
    enum Failure: Error, Sendable, Equatable {
        /// `${NAME}` where `NAME` is not in the environment.
        case unset(name: String)
        /// `${` with no closing `}`.
        case unterminated
        /// `${…}` whose content is not a variable name (`[A-Za-z_][A-Za-z0-9_]*`).
        case invalidName
    }

    /// The value with every `${VAR}` replaced, and the names of the variables it used (in order).
    static func apply(
        to text: String,
        environment: [String: String]
    ) -> Result<(value: String, variables: [String]), Failure> {
        guard text.utf8.contains(UInt8(ascii: "$")) else { return .success((text, [])) }
        var output = ""
        var variables: [String] = []
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            guard character == "$", next < text.endIndex, text[next] == "$" || text[next] == "{" else {
                output.append(character)
                index = next
                continue
            }
            if text[next] == "$" {
                output.append("$")
                index = text.index(after: next)
                continue
            }
            let nameStart = text.index(after: next)
            guard let close = text[nameStart...].firstIndex(of: "}") else { return .failure(.unterminated) }
            let name = String(text[nameStart..<close])
            guard isVariableName(name) else { return .failure(.invalidName) }
            guard let value = environment[name] else { return .failure(.unset(name: name)) }
            output += value
            variables.append(name)
            index = text.index(after: close)
        }
        return .success((output, variables))
    }

    // MARK: - Flow-syntax protection

    /// Stand-ins for the braces of `${NAME}` while YAML is parsed (private-use code points, one scalar each like the
    /// braces, so columns do not move).
    static let openBrace: Unicode.Scalar = "\u{E000}"
    static let closeBrace: Unicode.Scalar = "\u{E001}"

    /// Before YAML parsing: every `${NAME}` (a valid name) becomes `$\u{E000}NAME\u{E001}`. In a flow mapping,
    /// `{ token: ${TOKEN} }`, YAML would read the braces as a nested mapping; with stand-ins the reference stays one
    /// plain scalar. Only the reference's spelling changes: values are still substituted after parsing.
    static func protectingReferences(in yaml: String) -> String {
        // A byte scan: Foundation's `contains` took 170 ms over a 100,000-platform file with no reference at all.
        let bytes = yaml.utf8
        guard let first = firstReference(in: bytes, from: bytes.startIndex) else { return yaml }
        var output = String.UnicodeScalarView()
        output.append(contentsOf: yaml[..<first].unicodeScalars)
        let scalars = Array(yaml[first...].unicodeScalars)
        var index = 0
        while index < scalars.count {
            if scalars[index] == "$", index + 1 < scalars.count, scalars[index + 1] == "{",
               let close = scalars[(index + 2)...].firstIndex(where: { $0 == "}" || $0 == "\n" }), scalars[close] == "}" {
                var name = ""
                name.unicodeScalars.append(contentsOf: scalars[(index + 2)..<close])
                if isVariableName(name) {
                    output.append("$")
                    output.append(openBrace)
                    output.append(contentsOf: name.unicodeScalars)
                    output.append(closeBrace)
                    index = close + 1
                    continue
                }
            }
            output.append(scalars[index])
            index += 1
        }
        return String(output)
    }

    /// Where the first `${` starts, if anywhere.
    private static func firstReference(in bytes: String.UTF8View, from start: String.Index) -> String.Index? {
        var previousWasDollar = false
        var index = start
        while index < bytes.endIndex {
            let byte = bytes[index]
            if previousWasDollar && byte == UInt8(ascii: "{") { return bytes.index(before: index) }
            previousWasDollar = byte == UInt8(ascii: "$")
            index = bytes.index(after: index)
        }
        return nil
    }

    /// After YAML parsing, on a scalar's text: the braces back (the inverse of ``protectingReferences(in:)``).
    static func restoringReferences(in text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == openBrace || $0 == closeBrace }) else { return text }
        var output = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            output.append(scalar == openBrace ? "{" : scalar == closeBrace ? "}" : scalar)
        }
        return String(output)
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`, the portable shell variable name.
    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || (0x30...0x39).contains($0) }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}
