import GatewayNetworking
import GatewayCore

/// Every way an IRC connection fails, and its class: the table of PROTOCOLS.md, as data.
///
/// ``rules`` is the single mapping; ``classify(_:)`` picks the first rule that matches a ``Signal``. Order matters for
/// `ERROR` texts: a rate limit or a ban is often wrapped in "Closing Link: … (Excess Flood)", so those rows come
/// before the generic network rows. An `ERROR` text no row knows is `network`, marked unclassified (logged at warning).
enum IRCFailures {
    /// What happened, as the adapter saw it.
    enum Signal: Sendable, Equatable {
        /// TCP connect or socket error.
        case transport
        /// The server's name did not resolve.
        case dns
        /// The TLS handshake or record layer failed.
        case tls
        /// The server closed the connection (EOF) without an ERROR first.
        case endOfStream
        /// No 001 before the registration deadline.
        case registrationTimeout
        /// Our idle PING got no reply (nor any other line) within the timeout.
        case pingTimeout
        /// A numeric reply (`464`).
        case numeric(String)
        /// `ERROR :<text>` from the server.
        case error(String)
        /// Every nick (configured and alternates) was in use or refused during registration.
        case nicksExhausted
        /// SASL is configured but the server does not offer it (no CAP, or `sasl` missing or NAKed).
        case saslUnavailable
    }

    /// How a matched signal is classified.
    struct Rule: Sendable {
        enum Match: Sendable {
            case signal(Signal)
            case numeric(String)
            /// `ERROR` text containing this (lower-case) fragment.
            case errorText(String)
        }

        let match: Match
        let errorClass: ErrorClass
        let code: String
        /// A floor for the next attempt (rate limits: the server will not take us back sooner).
        let retryAfterMillis: Int64?

        init(_ match: Match, _ errorClass: ErrorClass, code: String, retryAfterMillis: Int64? = nil) {
            self.match = match
            self.errorClass = errorClass
            self.code = code
            self.retryAfterMillis = retryAfterMillis
        }

        func matches(_ signal: Signal) -> Bool {
            switch (match, signal) {
            case (.signal(let expected), _): return expected == signal
            case (.numeric(let code), .numeric(let actual)): return code == actual
            case (.errorText(let fragment), .error(let text)): return text.lowercased().contains(fragment)
            default: return false
            }
        }
    }

    /// The rate-limit floor: servers throttle reconnects for about a minute.
    static let rateLimitFloorMillis: Int64 = 60_000

    /// The mapping. First match wins.
    static let rules: [Rule] = [
        // The server asked us to slow down.
        Rule(.errorText("excess flood"), .rateLimited, code: "excess_flood", retryAfterMillis: rateLimitFloorMillis),
        Rule(.errorText("throttled"), .rateLimited, code: "throttled", retryAfterMillis: rateLimitFloorMillis),
        Rule(.errorText("reconnecting too fast"), .rateLimited, code: "throttled", retryAfterMillis: rateLimitFloorMillis),
        Rule(.errorText("too many connections"), .rateLimited, code: "too_many_connections", retryAfterMillis: rateLimitFloorMillis),
        Rule(.errorText("too many host connections"), .rateLimited, code: "too_many_connections", retryAfterMillis: rateLimitFloorMillis),
        // Credentials, bans, configuration: a human must act.
        Rule(.numeric("464"), .auth, code: "464"),
        Rule(.errorText("bad password"), .auth, code: "bad_password"),
        Rule(.numeric("465"), .auth, code: "465"),
        Rule(.errorText("banned"), .auth, code: "banned"),
        Rule(.errorText("k-line"), .auth, code: "banned"),
        Rule(.errorText("g-line"), .auth, code: "banned"),
        Rule(.errorText("z-line"), .auth, code: "banned"),
        Rule(.numeric("904"), .auth, code: "904"),
        Rule(.numeric("902"), .auth, code: "902"),
        Rule(.numeric("905"), .auth, code: "905"),
        Rule(.numeric("906"), .auth, code: "906"),
        Rule(.numeric("432"), .auth, code: "432"),
        // The server side: retried with backoff.
        Rule(.signal(.nicksExhausted), .server, code: "nick_in_use"),
        Rule(.signal(.saslUnavailable), .server, code: "sasl_unavailable"),
        // The link: retried with backoff.
        Rule(.errorText("ping timeout"), .network, code: "ping_timeout"),
        Rule(.errorText("connection timeout"), .network, code: "connection_timeout"),
        Rule(.errorText("closing link"), .network, code: "closing_link"),
        Rule(.signal(.pingTimeout), .network, code: "ping_timeout"),
        Rule(.signal(.registrationTimeout), .network, code: "register_timeout"),
        Rule(.signal(.endOfStream), .network, code: "eof"),
        Rule(.signal(.transport), .network, code: "connect"),
        Rule(.signal(.dns), .network, code: "dns"),
        Rule(.signal(.tls), .network, code: "tls"),
    ]

    /// The rule for `signal`, if any row knows it.
    static func rule(for signal: Signal) -> Rule? { rules.first { $0.matches(signal) } }

    /// `signal` as an `AdapterError` with `message` (already redacted by the caller). An unknown signal is
    /// `network`, marked unclassified.
    static func classify(_ signal: Signal, message: String) -> AdapterError {
        guard let rule = rule(for: signal) else {
            var error = AdapterError(.network, code: fallbackCode(signal), message: message)
            error.classified = false
            return error
        }
        return AdapterError(rule.errorClass, code: rule.code, message: message, retryAfterMillis: rule.retryAfterMillis)
    }

    private static func fallbackCode(_ signal: Signal) -> String {
        switch signal {
        case .numeric(let code): return code
        case .error: return "error"
        default: return "unknown"
        }
    }
}
