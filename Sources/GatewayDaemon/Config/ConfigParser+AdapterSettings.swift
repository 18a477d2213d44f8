import GatewayCore
import GatewayRuntime
import GatewayNetworking

// MARK: - The adapters' own checks, at load time

extension ConfigParser {
    /// Runs the checks each adapter makes of its settings (a port of 70000, a poll_timeout of 99s, a nick with a
    /// space, sasl_user without sasl_password) while loading, so an impossible value is a configuration error with its
    /// line and key path — exit 78, nothing started — rather than a platform parked in `needs_attention` after the
    /// daemon has started. The adapters keep their checks: they are the single definition of what is valid.
    func checkAdapterSettings(
        _ platform: PlatformConfig, of kind: PlatformKind, fields: [Entry], entry: Entry
    ) throws(ConfigError) {
        let failure: AdapterError
        do throws(AdapterError) {
            try kind.checkSettings(platform)
            return
        } catch {
            failure = error
        }
        let path = join("platforms", platform.name)
        let message = Self.withoutPlatformPrefix(failure.message)
        guard let key = Self.firstKey(in: message, of: kind) else {
            throw .invalidValue(location(entry.keyNode, path), message)
        }
        let field = fields.first { $0.key == key }
        throw .invalidValue(location(field?.value ?? entry.keyNode, join(path, key)), message)
    }

    /// "irc platform 'x': port must be …" → "port must be …" (the key path already names the platform).
    static func withoutPlatformPrefix(_ message: String) -> String {
        guard message.contains(" platform '"), let range = message.range(of: "': ") else { return message }
        return String(message[range.upperBound...])
    }

    /// The key an adapter's message is about: the kind's key named earliest in it, as a whole word
    /// ("simulated script: …" → `script`).
    static func firstKey(in message: String, of kind: PlatformKind) -> String? {
        let words = message.split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init)
        return words.first { kind.keys[$0] != nil }
    }
}
