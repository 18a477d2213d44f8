import GatewayCore
import GatewayRuntime
import GatewayNetworking
import Yams

// MARK: - Composing the YAML, and its errors

extension ConfigParser {
    /// Prefix given to a duplicated key's first occurrence to find where it is (see ``duplicateKeyError(keys:mark:yaml:)``).
    private static let duplicateMarker = "gatewayd_duplicate_marker_"

    /// Yams' default resolution, with one rule in front that settles most scalars in one regular expression: a
    /// plain scalar starting with a letter or `_` that is not a YAML 1.1 boolean or null word can only be a string
    /// under the default rules (numbers, timestamps, `.inf`, `~`, `<<` and `=` start otherwise). The default
    /// resolver tries all seven of its expressions on every string before calling it one; at 100,000 platforms that
    /// was a quarter of the startup (perf: ICU regex setup for every key Yams hashes to find duplicates).
    static let resolver: Resolver = {
        let words = "yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL"
        guard let plainString = try? Resolver.Rule(.str, "^(?!(?:\(words))$)[A-Za-z_]") else { return .default }
        return [.bool, .int, .float, .merge, .null, .timestamp, .value].reduce(Resolver.basic.appending(plainString)) {
            $0.appending($1)
        }
    }()

    /// The document's node tree (nil for an empty document), or Yams' error as one line with its line number.
    func composeDocument(_ yaml: String) throws(ConfigError) -> Node? {
        do {
            return try Yams.compose(yaml: yaml, Self.resolver, .default, .utf8)
        } catch let error as YamlError {
            throw translate(error, yaml: yaml)
        } catch {
            throw .invalidYAML(ConfigLocation(file: source, keyPath: ""), problem: "the YAML parser failed")
        }
    }

    /// libyaml's problem and context are fixed phrases ("mapping values are not allowed in this context"); the
    /// snippet of the offending line that `YamlError.description` adds is left out, since it may hold a secret.
    private func translate(_ error: YamlError, yaml: String) -> ConfigError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var text = problem
            if let context {
                text += " (\(context.text) starting on line \(context.mark.line))"
            }
            return .invalidYAML(ConfigLocation(file: source, line: mark.line, keyPath: ""), problem: text)
        case .reader(let problem, let offset, _, _):
            let line = offset.map { offset in yaml.prefix(offset).reduce(1) { $1.isNewline ? $0 + 1 : $0 } }
            return .invalidYAML(ConfigLocation(file: source, line: line, keyPath: ""), problem: problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return duplicateKeyError(keys: duplicates, mark: context.mark, yaml: yaml)
        default:
            return .invalidYAML(ConfigLocation(file: source, keyPath: ""), problem: "the YAML parser failed")
        }
    }

    /// Yams (6.2.2) rejects a mapping with a repeated key while composing, naming the keys and the position of the
    /// first occurrence only. To give the key path and the repeat's line, compose again with that first occurrence
    /// renamed (a marker prefixed) and find the marker in the tree; if that fails, report what Yams said.
    private func duplicateKeyError(keys: [String], mark: Mark, yaml: String) -> ConfigError {
        let key = keys.sorted().first ?? ""
        let shown = EnvironmentSubstitution.restoringReferences(in: key)
        let fallback = ConfigError.duplicateKey(ConfigLocation(file: source, line: mark.line, keyPath: shown), key: shown,
                                                firstLine: nil)
        guard let renamed = Self.insertingMarker(into: yaml, at: mark),
              let root = try? Yams.compose(yaml: renamed, .default, .default, .utf8),
              let found = Self.findMarker(in: root, path: "", original: key)
        else { return fallback }
        return .duplicateKey(ConfigLocation(file: source, line: found.repeatLine ?? mark.line, keyPath: found.path),
                             key: shown, firstLine: mark.line)
    }

    /// `yaml` with the marker inserted where the key at `mark` starts (after its opening quote, if quoted).
    private static func insertingMarker(into yaml: String, at mark: Mark) -> String? {
        var lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        guard (1...lines.count).contains(mark.line) else { return nil }
        var scalars = lines[mark.line - 1]
        var column = mark.column - 1
        guard (0..<scalars.count).contains(column) else { return nil }
        if scalars[column] == "\"" || scalars[column] == "'" { column += 1 }
        scalars.insert(contentsOf: duplicateMarker.unicodeScalars, at: column)
        lines[mark.line - 1] = scalars
        return lines.map { line in
            var text = ""
            text.unicodeScalars.append(contentsOf: line)
            return text
        }.joined(separator: "\n")
    }

    /// The key path of the marked key and the line of the key it duplicated, searching depth first. Keys are compared
    /// as composed and shown as written.
    private static func findMarker(in node: Node, path: String, original: String) -> (path: String, repeatLine: Int?)? {
        switch node {
        case .mapping(let mapping):
            for (keyNode, value) in mapping {
                let key = keyNode.string ?? ""
                let shown = EnvironmentSubstitution.restoringReferences(in: key)
                let keyPath = path.isEmpty ? shown : path + "." + shown
                if key == duplicateMarker + original {
                    let originalShown = EnvironmentSubstitution.restoringReferences(in: original)
                    let fullPath = path.isEmpty ? originalShown : path + "." + originalShown
                    let repeatLine = mapping.first { $0.key.string == original }?.key.mark?.line
                    return (fullPath, repeatLine)
                }
                if let found = findMarker(in: value, path: keyPath, original: original) { return found }
            }
            return nil
        case .sequence(let sequence):
            for (index, item) in sequence.enumerated() {
                if let found = findMarker(in: item, path: "\(path)[\(index)]", original: original) { return found }
            }
            return nil
        case .scalar, .alias:
            return nil
        }
    }
}
