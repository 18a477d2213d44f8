import GatewayNetworking
import GatewayCore
/// A Telegram platform entry's settings, read once from its `PlatformConfig` and checked.
///
/// ```yaml
/// tg: { type: telegram, token: ${TG_TOKEN}, api_base: "http://127.0.0.1:8081", poll_timeout: 50s, request_timeout: 10s }
/// ```
package struct TelegramSettings: Sendable {
    static let defaultAPIBase = "https://api.telegram.org"
    static let defaultPollTimeoutSeconds = 50
    static let defaultRequestTimeoutMillis: Int64 = 10_000
    /// Updates per `getUpdates` (the Bot API accepts 1–100).
    static let batchLimit = 100
    /// The update kinds the adapter asks for; the server drops every other kind (it remembers this list).
    static let allowedUpdates = ["message", "edited_message", "channel_post"]

    let token: Secret
    /// `{scheme}://{host}[:port][/prefix]`, no trailing slash.
    let apiBase: String
    /// The long-poll `timeout` sent to `getUpdates`, whole seconds in 1...50.
    let pollTimeoutSeconds: Int
    /// The HTTP deadline of `getMe` and `sendMessage`, and the margin added to the long-poll timeout.
    let requestTimeoutMillis: Int64
    /// Replaces the token (and its secret half, which survives any URL encoding) in every text the adapter builds.
    let redactor: Redactor

    /// The HTTP deadline of one `getUpdates`: the long-poll timeout plus the request margin. On expiry the poll is
    /// abandoned and sent again with the same offset.
    var pollDeadlineMillis: Int64 { Int64(pollTimeoutSeconds) * 1_000 + requestTimeoutMillis }

    /// No `getUpdates` completed for this long means the link is dead: one overrun poll is retried in place, a
    /// second consecutive one is not.
    var watchdogMillis: Int64 { 2 * pollDeadlineMillis }

    package init(token: Secret, apiBase: String, pollTimeoutSeconds: Int, requestTimeoutMillis: Int64) {
        self.token = token
        self.apiBase = apiBase
        self.pollTimeoutSeconds = pollTimeoutSeconds
        self.requestTimeoutMillis = requestTimeoutMillis
        redactor = Redactor(secrets: Self.redactedForms(of: token.revealed))
    }

    /// Reads `token`, `api_base`, `poll_timeout` and `request_timeout`.
    /// - Throws: `AdapterError` of class `auth`, code `config`, when a value cannot work (it needs a human).
    init(_ config: PlatformConfig) throws(AdapterError) {
        guard let token = config.secrets["token"], !token.revealed.isEmpty else {
            throw Self.configError("telegram platform '\(config.name)' has no token")
        }
        var base = config.options["api_base"]?.stringValue ?? Self.defaultAPIBase
        while base.hasSuffix("/") { base.removeLast() }
        let lowered = base.lowercased()
        let scheme = lowered.hasPrefix("https://") ? 8 : lowered.hasPrefix("http://") ? 7 : 0
        guard scheme > 0, base.count > scheme else {
            throw Self.configError("api_base must be an http:// or https:// URL, e.g. \(Self.defaultAPIBase)")
        }
        var pollSeconds = Self.defaultPollTimeoutSeconds
        if let millis = config.options["poll_timeout"]?.durationMillis {
            // Whole seconds; at least 1 s, or an empty queue would be polled in a tight loop.
            guard (1_000...50_000).contains(millis) else { throw Self.configError("poll_timeout must be between 1s and 50s") }
            pollSeconds = Int(millis / 1_000)
        }
        var requestMillis = Self.defaultRequestTimeoutMillis
        if let millis = config.options["request_timeout"]?.durationMillis {
            guard (100...300_000).contains(millis) else {
                throw Self.configError("request_timeout must be between 100ms and 5m")
            }
            requestMillis = millis
        }
        self.init(token: token, apiBase: base, pollTimeoutSeconds: pollSeconds, requestTimeoutMillis: requestMillis)
    }

    /// The URL of one Bot API method. It contains the token: never log it, never put it in an error.
    func url(_ method: TelegramMethod) -> String { "\(apiBase)/bot\(token.revealed)/\(method.rawValue)" }

    /// The token, and the part after the colon (the secret half; `123:abc` URL-encodes as `123%3Aabc`).
    static func redactedForms(of token: String) -> [String] {
        var forms = [token]
        if let colon = token.firstIndex(of: ":") { forms.append(String(token[token.index(after: colon)...])) }
        return forms
    }

    private static func configError(_ message: String) -> AdapterError {
        AdapterError(.auth, code: "config", message: message)
    }
}

/// The Bot API methods the adapter calls.
package enum TelegramMethod: String, Sendable, Equatable, CaseIterable {
    case getMe
    case getUpdates
    case sendMessage
}
