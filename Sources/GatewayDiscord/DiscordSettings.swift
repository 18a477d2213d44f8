import GatewayNetworking
import GatewayCore
/// A Discord platform entry, checked: what the adapter needs from the configuration.
///
/// ```yaml
/// chat: { type: discord, token: ${DISCORD_TOKEN}, intents: 37377 }
/// ```
package struct DiscordSettings: Sendable {
    /// GUILDS | GUILD_MESSAGES | DIRECT_MESSAGES | MESSAGE_CONTENT. MESSAGE_CONTENT is privileged: enable it in the
    /// developer portal, or set `intents` without it (a 4014 close says which).
    static let defaultIntents = (1 << 0) | (1 << 9) | (1 << 12) | (1 << 15)
    static let defaultAPIBase = "https://discord.com/api/v10"
    static let userAgent = "DiscordBot (https://github.com/gatewayd, 0.1)"

    let token: Secret
    /// REST base without a trailing slash, e.g. `https://discord.com/api/v10`.
    let apiBase: String
    /// Overrides the URL `/gateway/bot` returns (the resume URL from READY still wins for a RESUME).
    let gatewayURL: String?
    let intents: Int

    /// Reads `platform`; throws an `auth`-class `config` error (it needs a human) when a value is unusable.
    package init(_ platform: PlatformConfig) throws(AdapterError) {
        guard let token = platform.secrets["token"], !token.revealed.isEmpty else {
            throw AdapterError(.auth, code: "config", message: "discord platform '\(platform.name)' has no token")
        }
        guard !token.revealed.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw AdapterError(.auth, code: "config", message: "discord platform '\(platform.name)': the token contains whitespace")
        }
        self.token = token
        let base = platform.options["api_base"]?.stringValue ?? Self.defaultAPIBase
        guard base.hasPrefix("https://") || base.hasPrefix("http://") else {
            throw AdapterError(.auth, code: "config", message: "discord platform '\(platform.name)': api_base must be an http(s) URL")
        }
        apiBase = Self.trimmingSlashes(base)
        if let url = platform.options["gateway_url"]?.stringValue {
            guard url.hasPrefix("wss://") || url.hasPrefix("ws://") else {
                throw AdapterError(.auth, code: "config", message: "discord platform '\(platform.name)': gateway_url must be a ws(s) URL")
            }
            gatewayURL = url
        } else {
            gatewayURL = nil
        }
        let intents = platform.options["intents"]?.intValue ?? Self.defaultIntents
        guard intents >= 0 else {
            throw AdapterError(.auth, code: "config", message: "discord platform '\(platform.name)': intents must not be negative")
        }
        self.intents = intents
    }

    /// The URL to open for `base` (a `/gateway/bot` or resume URL): `{base}/?v=10&encoding=json`.
    static func socketURL(_ base: String) -> String {
        "\(trimmingSlashes(base))/?v=10&encoding=json"
    }

    private static func trimmingSlashes(_ text: String) -> String {
        var text = Substring(text)
        while text.hasSuffix("/") { text = text.dropLast() }
        return String(text)
    }
}
