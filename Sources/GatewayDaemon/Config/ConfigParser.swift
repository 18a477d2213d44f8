import GatewayCore
import GatewayRuntime
import GatewayNetworking
import GatewayStore

/// Turns configuration text into a ``GatewayConfig``, walking the YAML node tree (``YAMLNode``, not `Codable`) so every
/// problem can be reported with its line and key path. Stops at the first problem.
///
/// The reading rules: mappings must have scalar keys, each once; string values may be any scalar as written, with
/// `${VAR}` substituted; integers, numbers and booleans must be YAML ones (`port: "6697"` is a string, so an error);
/// durations need a unit; `~`/empty counts as no value, which is an error wherever a value is expected.
struct ConfigParser {
    /// The name of the document in error texts.
    let source: String
    let environment: [String: String]
    /// What a platform's `type:` may name.
    let kinds: [PlatformKind]

    static let topLevelKeys = ["reconnect", "when_all_failed", "database", "platforms", "http", "alerts", "log", "inbox", "fleet"]

    /// One `key: value` of a mapping, with the key's node for its line.
    struct Entry {
        let key: String
        let keyNode: YAMLNode
        let value: YAMLNode
    }

    func parse(yaml: String) throws(ConfigError) -> GatewayConfig {
        guard let root = try composeDocument(EnvironmentSubstitution.protectingReferences(in: yaml)) else {
            throw .notAMapping(ConfigLocation(file: source, keyPath: ""), found: "an empty document")
        }
        guard case .mapping = root else {
            throw .notAMapping(location(root, ""), found: describe(root, reveal: false))
        }
        var config = GatewayConfig(platforms: [])
        var reconnect: Entry?
        var platforms: Entry?
        for entry in try entries(of: root, at: "") {
            switch entry.key {
            case "reconnect": reconnect = entry
            case "when_all_failed": config.whenAllFailed = try choice(entry.value, at: entry.key)
            case "database": config.database = try optionalString(entry.value, at: entry.key)
            case "platforms": platforms = entry
            case "http": config.http = try http(from: entry)
            case "alerts": config.alerts = try alerts(from: entry)
            case "log": config.log = try log(from: entry)
            case "inbox": config.inbox = try inbox(from: entry)
            case "fleet": config.fleet = try fleet(from: entry)
            default:
                throw .unknownKey(location(entry.keyNode, entry.key), context: "at the top level", known: Self.topLevelKeys)
            }
        }
        if let reconnect {
            config.reconnect = try policy(from: reconnect, over: BackoffPolicy(), at: "reconnect")
        }
        guard let platforms else { throw .noPlatforms(ConfigLocation(file: source, keyPath: "platforms")) }
        config.platforms = try self.platforms(from: platforms, global: config.reconnect)
        return config
    }

    // MARK: - Locations

    func location(_ node: YAMLNode?, _ keyPath: String) -> ConfigLocation {
        ConfigLocation(file: source, line: node?.line, keyPath: keyPath)
    }

    func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : path + "." + key
    }

    /// The node's shape for an error text ("a list", "nothing"), plus its text when `reveal` and it is a scalar.
    func describe(_ node: YAMLNode, reveal: Bool) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar):
            let shape: String
            switch node.type {
            case .null: return "nothing"
            case .int: shape = "an integer"
            case .float: shape = "a number"
            case .bool: shape = "a boolean"
            default: shape = "a string"
            }
            guard reveal else { return shape }
            let full = text(of: scalar)
            let text = full.count > 40 ? String(full.prefix(40)) + "…" : full
            return "\(shape) ('\(text)')"
        }
    }

    // MARK: - Mappings

    /// The entries of a mapping in file order. Keys must be scalars and unique by their text (`1:` beside `"1":` is an
    /// integer and a string to YAML, the same name to us); a repeat is refused with its key path and both lines.
    func entries(of node: YAMLNode, at path: String, expected: String = "a mapping") throws(ConfigError) -> [Entry] {
        guard case .mapping(let mapping) = node else {
            throw .wrongType(location(node, path), expected: expected, found: describe(node, reveal: false))
        }
        // Small mappings (a platform's settings) look for a repeat among the keys so far; large ones (`platforms:`)
        // in a dictionary.
        let indexed = mapping.pairs.count > 16
        var firstLines: [String: Int] = [:]
        if indexed { firstLines.reserveCapacity(mapping.pairs.count) }
        var result: [Entry] = []
        result.reserveCapacity(mapping.pairs.count)
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                throw .wrongType(location(keyNode, path), expected: "a mapping with plain keys",
                                 found: "\(describe(keyNode, reveal: false)) as a key")
            }
            let key = text(of: scalar)
            let firstLine = indexed
                ? firstLines.updateValue(keyNode.line, forKey: key) : result.first { $0.key == key }?.keyNode.line
            if let firstLine {
                throw .duplicateKey(location(keyNode, join(path, key)), key: key, firstLine: firstLine)
            }
            result.append(Entry(key: key, keyNode: keyNode, value: value))
        }
        return result
    }

    // MARK: - Scalars

    /// Any scalar that is not null, as written.
    func scalarText(_ node: YAMLNode, at path: String, expected: String, secret: Bool) throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node, node.type != .null else {
            throw .wrongType(location(node, path), expected: expected, found: describe(node, reveal: !secret))
        }
        return text(of: scalar)
    }

    /// A scalar's text as written (with `${NAME}` spelled back, see `EnvironmentSubstitution.protectingReferences`).
    func text(of scalar: YAMLNode.Scalar) -> String {
        EnvironmentSubstitution.restoringReferences(in: scalar.string)
    }

    /// A scalar with `${VAR}` substituted, and the variables it used.
    func substituted(
        _ node: YAMLNode, at path: String, secret: Bool
    ) throws(ConfigError) -> (value: String, variables: [String]) {
        let text = try scalarText(node, at: path, expected: secret ? "a string (a secret)" : "a string", secret: secret)
        switch EnvironmentSubstitution.apply(to: text, environment: environment) {
        case .success(let result):
            return result
        case .failure(.unset(let name)):
            throw .missingVariable(location(node, path), name: name)
        case .failure(.unterminated):
            throw .invalidValue(location(node, path), "unterminated ${ (write $$ for a literal $)")
        case .failure(.invalidName):
            throw .invalidValue(location(node, path),
                                "${...} must enclose a variable name, [A-Za-z_][A-Za-z0-9_]* (write $$ for a literal $)")
        }
    }

    /// A substituted string where nothing (or an empty string) means "not set".
    func optionalString(_ node: YAMLNode, at path: String) throws(ConfigError) -> String? {
        if case .scalar = node, node.type == .null { return nil }
        let value = try substituted(node, at: path, secret: false).value
        return value.isEmpty ? nil : value
    }

    func int(_ node: YAMLNode, at path: String) throws(ConfigError) -> Int {
        guard node.type == .int, let value = node.int else {
            throw .wrongType(location(node, path), expected: "an integer", found: describe(node, reveal: true))
        }
        return value
    }

    func number(_ node: YAMLNode, at path: String) throws(ConfigError) -> Double {
        guard node.type == .int || node.type == .float, let value = node.float, value.isFinite else {
            throw .wrongType(location(node, path), expected: "a finite number", found: describe(node, reveal: true))
        }
        return value
    }

    func bool(_ node: YAMLNode, at path: String) throws(ConfigError) -> Bool {
        guard node.type == .bool, let value = node.bool else {
            throw .wrongType(location(node, path), expected: "true or false", found: describe(node, reveal: true))
        }
        return value
    }

    /// A duration with a unit, in milliseconds; never negative.
    func duration(_ node: YAMLNode, at path: String) throws(ConfigError) -> Int64 {
        let text = try scalarText(node, at: path, expected: "a duration such as 30s", secret: false)
        let here = location(node, path)
        switch DurationLiteral.millis(from: text) {
        case .success(let millis): return millis
        case .failure(.missingUnit): throw .invalidValue(here, "'\(text)' has no unit; use a unit, e.g. 30s (ms, s, m, h, d)")
        case .failure(.malformed): throw .invalidValue(here, "must be a duration such as 250ms, 30s, 5m, 2h or 7d, found '\(text)'")
        case .failure(.negative): throw .invalidValue(here, "must not be negative, found '\(text)'")
        case .failure(.fractionalMillis): throw .invalidValue(here, "must be a whole number of milliseconds, found '\(text)'")
        case .failure(.tooLarge): throw .invalidValue(here, "is too large, found '\(text)'")
        }
    }

    /// One of an enum's raw values (`exit`/`stay`, `slow`/`give_up`).
    func choice<Choice: RawRepresentable & CaseIterable>(
        _ node: YAMLNode, at path: String
    ) throws(ConfigError) -> Choice where Choice.RawValue == String {
        let known = Choice.allCases.map(\.rawValue).joined(separator: " or ")
        let text = try scalarText(node, at: path, expected: known, secret: false)
        guard let value = Choice(rawValue: text) else {
            throw .invalidValue(location(node, path), "must be \(known), not '\(text)'")
        }
        return value
    }
}
