/// The five failure classes every adapter maps its errors to (see PROTOCOLS.md). Raw values are stored.
public enum ErrorClass: String, Sendable, CaseIterable, Codable {
    /// DNS, TCP, TLS, reset, timeout, EOF.
    case network
    /// The server asked us to wait: no retry before its not-before.
    case rateLimited
    /// Token, password, intents or ban: never retried automatically.
    case auth
    /// 5xx, protocol violation, invalid session.
    case server
    /// Another instance holds the session.
    case conflict

    /// Whether the reconnect queue retries this class on its own.
    public var isRetryable: Bool {
        switch self {
        case .network, .rateLimited, .server: true
        case .auth, .conflict: false
        }
    }
}
