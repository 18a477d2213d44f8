import GatewayCore

/// A Slack platform entry, checked: what the adapter needs from the configuration.
///
/// ```yaml
/// team: { type: slack, app_token: ${SLACK_APP_TOKEN}, bot_token: ${SLACK_BOT_TOKEN}, request_timeout: 10s }
/// ```
package struct SlackSettings: Sendable {
    static let defaultAPIBase = "https://slack.com/api"
    static let defaultRequestTimeoutMillis: Int64 = 10_000

    /// The app-level token (`xapp-…`, scope `connections:write`): only for `apps.connections.open`.
    let appToken: Secret
    /// The bot token (`xoxb-…`): every other Web API call.
    let botToken: Secret
    /// Web API base without a trailing slash, e.g. `https://slack.com/api`.
    let apiBase: String
    /// The HTTP deadline of one Web API call, and the bound on waiting for `hello` after the socket opened.
    let requestTimeoutMillis: Int64
    /// Scrubs both tokens from every text the adapter builds.
    let redactor: Redactor

    package init(appToken: Secret, botToken: Secret, apiBase: String, requestTimeoutMillis: Int64) {
        self.appToken = appToken
        self.botToken = botToken
        self.apiBase = apiBase
        self.requestTimeoutMillis = requestTimeoutMillis
        redactor = Redactor(secrets: [appToken.revealed, botToken.revealed])
    }

    /// Reads `app_token`, `bot_token`, `api_base` and `request_timeout`.
    /// - Throws: `AdapterError` of class `auth`, code `config`, naming the key, when a value cannot work.
    package init(_ platform: PlatformConfig) throws(AdapterError) {
        let name = platform.name
        let app = try Self.token(platform, key: "app_token", prefix: "xapp-")
        let bot = try Self.token(platform, key: "bot_token", prefix: "xoxb-")
        var base = platform.options["api_base"]?.stringValue ?? Self.defaultAPIBase
        while base.hasSuffix("/") { base.removeLast() }
        let lowered = base.lowercased()
        let scheme = lowered.hasPrefix("https://") ? 8 : lowered.hasPrefix("http://") ? 7 : 0
        guard scheme > 0, base.count > scheme, Endpoint(url: base) != nil else {
            throw Self.configError(name, "api_base must be an http:// or https:// URL, e.g. \(Self.defaultAPIBase)")
        }
        var timeout = Self.defaultRequestTimeoutMillis
        if let millis = platform.options["request_timeout"]?.durationMillis {
            guard (100...300_000).contains(millis) else {
                throw Self.configError(name, "request_timeout must be between 100ms and 5m")
            }
            timeout = millis
        }
        self.init(appToken: app, botToken: bot, apiBase: base, requestTimeoutMillis: timeout)
    }

    /// A token that is present, has no whitespace and starts with its documented prefix (an `xoxb-` given as the app
    /// token is the commonest mix-up; the message names the key, never the value).
    private static func token(_ platform: PlatformConfig, key: String, prefix: String) throws(AdapterError) -> Secret {
        guard let token = platform.secrets[key], !token.revealed.isEmpty else {
            throw configError(platform.name, "\(key) is missing or empty")
        }
        guard !token.revealed.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw configError(platform.name, "\(key) contains whitespace")
        }
        guard token.revealed.hasPrefix(prefix) else {
            throw configError(platform.name, "\(key) must be a Slack token starting with \(prefix)")
        }
        return token
    }

    private static func configError(_ name: String, _ message: String) -> AdapterError {
        AdapterError(.auth, code: "config", message: "slack platform '\(name)': \(message)")
    }
}
