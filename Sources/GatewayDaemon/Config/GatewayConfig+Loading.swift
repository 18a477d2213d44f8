import Foundation
import GatewayCore
import GatewayRuntime

extension GatewayConfig {
    /// Reads and validates the configuration file at `path`.
    ///
    /// - Parameters:
    ///   - path: The YAML file; also the file name in error texts.
    ///   - environment: Where `${VAR}` values come from (usually `ProcessInfo.processInfo.environment`).
    ///   - kinds: The platform kinds a `type:` may name, with their keys and checks.
    /// - Throws: ``ConfigError`` naming the file, line and key path of the first problem found.
    public static func load(
        path: String, environment: [String: String], kinds: [PlatformKind] = PlatformKinds.all
    ) throws(ConfigError) -> GatewayConfig {
        try parse(yaml: readFile(path), source: path, environment: environment, kinds: kinds)
    }

    /// Parses and validates configuration text.
    ///
    /// - Parameters:
    ///   - yaml: The whole document.
    ///   - source: The name error texts give the document (a file path, `<stdin>`).
    ///   - environment: Where `${VAR}` values come from.
    ///   - kinds: The platform kinds a `type:` may name, with their keys and checks.
    /// - Throws: ``ConfigError`` naming the source, line and key path of the first problem found.
    public static func parse(
        yaml: String, source: String, environment: [String: String], kinds: [PlatformKind] = PlatformKinds.all
    ) throws(ConfigError) -> GatewayConfig {
        try ConfigParser(source: source, environment: environment, kinds: kinds).parse(yaml: yaml)
    }

    private static func readFile(_ path: String) throws(ConfigError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadableFile(path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw .unreadableFile(path, reason: "it is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadableFile(path, reason: "permission denied or I/O error")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadableFile(path, reason: "it is not UTF-8 text")
        }
        return text
    }
}
