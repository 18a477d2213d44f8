import GatewayCore
import GatewayRuntime
import GatewayNetworking
/// A configuration the daemon cannot use, told on one line: `<file>:<line>: <key.path>: <what is wrong>`.
///
/// The line (from the YAML node's mark) is left out when it is not known, and the key path when the problem is the
/// whole file (it cannot be read, it is not YAML). Secret values never appear in the text: errors about a value name
/// its key path and what was expected, not what was found.
///
/// ```text
/// /etc/gatewayd.yaml:5: platforms.telegram.token: environment variable TELEGRAM_BOT_TOKEN is not set
/// ```
public struct ConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    /// A stable identifier for the kind of problem, for callers and tests that branch on it.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public var description: String { rawValue }

        public static let unreadableFile = Code(rawValue: "unreadable_file")
        public static let invalidYAML = Code(rawValue: "invalid_yaml")
        public static let notAMapping = Code(rawValue: "not_a_mapping")
        public static let unknownKey = Code(rawValue: "unknown_key")
        public static let wrongType = Code(rawValue: "wrong_type")
        public static let missingKey = Code(rawValue: "missing_key")
        public static let invalidValue = Code(rawValue: "invalid_value")
        public static let unknownPlatformType = Code(rawValue: "unknown_platform_type")
        public static let duplicateKey = Code(rawValue: "duplicate_key")
        public static let invalidPlatformName = Code(rawValue: "invalid_platform_name")
        public static let missingVariable = Code(rawValue: "missing_variable")
        public static let noPlatforms = Code(rawValue: "no_platforms")
        public static let invalidPolicy = Code(rawValue: "invalid_policy")
    }

    public let code: Code
    /// The file name as given to the loader (or the `source` label of a parsed string).
    public let file: String
    /// 1-based, when known.
    public let line: Int?
    /// Dotted path of the offending key (`platforms.lab.reconnect.cap`, `platforms.chat.channels[1]`); empty when the
    /// problem is the whole file.
    public let keyPath: String
    /// What is wrong, in words an operator can act on.
    public let message: String

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        if !keyPath.isEmpty { text += ": \(keyPath)" }
        return text + ": " + message
    }

    private init(_ code: Code, _ location: ConfigLocation, _ message: String) {
        self.code = code
        self.file = location.file
        self.line = location.line
        self.keyPath = Self.oneLine(location.keyPath)
        self.message = Self.oneLine(message)
    }

    /// Keys and YAML problems can contain line breaks (a quoted key `"a\nb"`); the description must stay one line.
    private static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}

/// Where a problem is: the file, the line of the YAML node when known, and the dotted key path.
struct ConfigLocation: Sendable, Equatable {
    var file: String
    var line: Int?
    var keyPath: String
}

// MARK: - The problems

extension ConfigError {
    static func unreadableFile(_ file: String, reason: String) -> ConfigError {
        .init(.unreadableFile, ConfigLocation(file: file, keyPath: ""), "cannot read the configuration file: \(reason)")
    }

    static func invalidYAML(_ location: ConfigLocation, problem: String) -> ConfigError {
        .init(.invalidYAML, location, "invalid YAML: \(problem)")
    }

    static func notAMapping(_ location: ConfigLocation, found: String) -> ConfigError {
        .init(.notAMapping, location,
              "the top level must be a mapping of settings (reconnect, when_all_failed, database, platforms), found \(found)")
    }

    static func unknownKey(_ location: ConfigLocation, context: String, known: [String]) -> ConfigError {
        .init(.unknownKey, location, "unknown key \(context); known keys: \(known.sorted().joined(separator: ", "))")
    }

    /// `found` describes the node's shape ("a list", "nothing"), never its value, so secrets stay out of the text.
    static func wrongType(_ location: ConfigLocation, expected: String, found: String) -> ConfigError {
        .init(.wrongType, location, "must be \(expected), found \(found)")
    }

    static func missingKey(_ location: ConfigLocation, hint: String = "") -> ConfigError {
        .init(.missingKey, location, "missing required key" + (hint.isEmpty ? "" : " (\(hint))"))
    }

    static func invalidValue(_ location: ConfigLocation, _ message: String) -> ConfigError {
        .init(.invalidValue, location, message)
    }

    static func unknownPlatformType(_ location: ConfigLocation, type: String, known: [PlatformKind]) -> ConfigError {
        .init(.unknownPlatformType, location, "unknown platform type '\(type)'; known types: \(PlatformKinds.typeNames(known))")
    }

    static func duplicateKey(_ location: ConfigLocation, key: String, firstLine: Int?) -> ConfigError {
        let first = firstLine.map { " (first defined on line \($0))" } ?? ""
        return .init(.duplicateKey, location, "duplicate key '\(key)'\(first); each key may appear only once in a mapping")
    }

    static func invalidPlatformName(_ location: ConfigLocation, name: String) -> ConfigError {
        .init(.invalidPlatformName, location,
              "invalid platform name '\(name)': use 1 to 64 of the characters A-Z a-z 0-9 _ . -")
    }

    static func missingVariable(_ location: ConfigLocation, name: String) -> ConfigError {
        .init(.missingVariable, location, "environment variable \(name) is not set")
    }

    static func noPlatforms(_ location: ConfigLocation) -> ConfigError {
        .init(.noPlatforms, location, "no platforms configured; add at least one under platforms:")
    }

    /// One of `BackoffPolicy.problems`, with the field already moved into the key path.
    static func invalidPolicy(_ location: ConfigLocation, problem: String) -> ConfigError {
        .init(.invalidPolicy, location, problem)
    }
}
