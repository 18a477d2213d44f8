import GatewayNetworking
import GatewayCore

/// The Telegram failure table of PROTOCOLS.md, in code: the first row that matches a failure decides its class.
///
/// | row | class |
/// |---|---|
/// | DNS/TCP/TLS error, timeout, connection closed | network |
/// | 401 Unauthorized · 404 on getMe (malformed token) · 421 | auth |
/// | 409 "terminated by other getUpdates request" | conflict |
/// | 409 "can't use getUpdates method while webhook is active" | auth |
/// | 400 "Logged out" | auth |
/// | 429 (with `parameters.retry_after`) | rateLimited, retryAfterMillis = retry_after × 1000 |
/// | 500/502/503/504 (any 5xx) · invalid JSON / not the envelope | server |
/// | sendMessage: 403 (bot blocked/kicked) · 400 with migrate_to_chat_id · other 400 (chat not found, …) | per-message |
/// | anything else | network, unclassified (logged at warning) |
///
/// A **per-message** failure is about one message, not the connection: it is thrown from `send` only, with code
/// `per_message` (see `AdapterError.perMessageCode`) and class `server`. The class is the harmless one should such an
/// error ever reach supervision (a reconnect, never a parked platform); callers tell it apart by its code.
package enum TelegramFailures {
    /// What a row makes of a failure.
    enum Outcome: Sendable, Equatable {
        case connection(ErrorClass)
        case perMessage
    }

    struct Row: Sendable {
        let name: String
        let outcome: Outcome
        let matches: @Sendable (TelegramFailure) -> Bool
    }

    static let table: [Row] = [
        Row(name: "transport error", outcome: .connection(.network)) {
            if case .transport(_, let kind, _) = $0 { return kind != .unknown }
            return false
        },
        Row(name: "401 unauthorized", outcome: .connection(.auth)) { status($0) == 401 },
        Row(name: "404 on getMe", outcome: .connection(.auth)) { status($0) == 404 && $0.method == .getMe },
        Row(name: "421 misdirected", outcome: .connection(.auth)) { status($0) == 421 },
        Row(name: "409 other getUpdates", outcome: .connection(.conflict)) {
            status($0) == 409 && description($0).contains("terminated by other getupdates request")
        },
        Row(name: "409 webhook active", outcome: .connection(.auth)) {
            status($0) == 409 && description($0).contains("webhook is active")
        },
        Row(name: "400 logged out", outcome: .connection(.auth)) {
            status($0) == 400 && description($0).contains("logged out")
        },
        Row(name: "429 retry_after", outcome: .connection(.rateLimited)) { status($0) == 429 },
        Row(name: "5xx", outcome: .connection(.server)) { (500...599).contains(status($0) ?? 0) },
        Row(name: "invalid JSON", outcome: .connection(.server)) {
            if case .invalidResponse = $0 { return true }
            return false
        },
        Row(name: "403 on sendMessage", outcome: .perMessage) { status($0) == 403 && $0.method == .sendMessage },
        Row(name: "400 migrate_to_chat_id", outcome: .perMessage) {
            if case .api(_, 400, _, _, .some(_)) = $0 { return true }
            return false
        },
        Row(name: "400 on sendMessage", outcome: .perMessage) { status($0) == 400 && $0.method == .sendMessage },
    ]

    /// The row that decides `failure`, or nil when none does (an unclassified network failure).
    static func row(for failure: TelegramFailure) -> Row? { table.first { $0.matches(failure) } }

    /// `failure` as the `AdapterError` supervision (or `send`'s caller) sees.
    package static func classify(_ failure: TelegramFailure) -> AdapterError {
        let text = message(for: failure)
        guard let row = row(for: failure) else {
            var error = AdapterError(.network, code: code(for: failure), message: text)
            error.classified = false
            return error
        }
        switch row.outcome {
        case .perMessage:
            return AdapterError.message(.server, code: AdapterError.perMessageCode, message: text)
        case .connection(let errorClass):
            var retryAfter: Int64?
            if errorClass == .rateLimited, case .api(_, _, _, let seconds?, _) = failure {
                // Clamped to a day: a server's nonsense must neither overflow (found by fuzzing) nor park us for ever.
                retryAfter = Int64(min(max(0, seconds), 86_400)) * 1_000
            }
            return AdapterError(errorClass, code: code(for: failure), message: text, retryAfterMillis: retryAfter)
        }
    }

    // MARK: - Parts

    private static func status(_ failure: TelegramFailure) -> Int? {
        if case .api(_, let status, _, _, _) = failure { return status }
        return nil
    }

    private static func description(_ failure: TelegramFailure) -> String {
        if case .api(_, _, let description, _, _) = failure { return description.lowercased() }
        return ""
    }

    /// HTTP status for API failures, `invalid_json`, or the transport kind (`dns`, `connect`, `tls`, `timeout`, …).
    static func code(for failure: TelegramFailure) -> String {
        switch failure {
        case .transport(_, let kind, _): kind.rawValue
        case .api(_, let status, _, _, _): String(status)
        case .invalidResponse: "invalid_json"
        }
    }

    /// A one-line, redacted text: which call, what happened.
    static func message(for failure: TelegramFailure) -> String {
        switch failure {
        case .transport(let method, _, let detail):
            // The detail already says what happened and where (``TransportFailure``).
            return "\(method.rawValue): \(detail)"
        case .api(let method, let status, let description, let retryAfter, let migrateTo):
            var text = "\(method.rawValue): \(status) \(description.isEmpty ? "(no description)" : description)"
            if let retryAfter { text += " (retry after \(retryAfter)s)" }
            if let migrateTo { text += " (the group is now supergroup \(migrateTo): send there)" }
            return text
        case .invalidResponse(let method, let status, let detail):
            return "\(method.rawValue): HTTP \(status) with a response that is not the Bot API envelope: \(detail)"
        }
    }
}
