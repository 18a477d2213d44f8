import GatewayCore

/// The Matrix failure table (PROTOCOLS.md, "Matrix"), in code: the first row that matches a failure decides it.
///
/// | row | outcome |
/// |---|---|
/// | DNS/TCP/TLS error, timeout, connection closed | network |
/// | 429 `M_LIMIT_EXCEEDED` (any 429) | rateLimited, wait = `Retry-After` s, else `retry_after_ms` |
/// | 401 `M_UNKNOWN_TOKEN` (with or without `soft_logout`) | auth |
/// | 401 `M_MISSING_TOKEN` · any other 401 | auth |
/// | 403 `M_USER_DEACTIVATED` · 403 on whoami or sync | auth |
/// | join: 403 · 404 · 400 (not invited, banned, unknown room or alias) | the room only (logged; connected) |
/// | send/directory: 403 `M_FORBIDDEN` (not in the room) · 404 · 400 · 413 `M_TOO_LARGE` | per-message |
/// | 5xx · a 2xx answer that is not the spec's shape | server |
/// | anything else | network, unclassified (logged at warning) |
///
/// `soft_logout: true` lets a client re-login with the same device_id — with a password, which gatewayd never has:
/// it is `auth` either way (a human replaces the token), and the message says which it was.
package enum MatrixFailures {
    enum Outcome: Sendable, Equatable {
        case connection(ErrorClass)
        /// One outgoing message failed; the connection is fine.
        case perMessage
        /// One configured room could not be joined; the connection is fine.
        case perRoom
    }

    struct Row: Sendable {
        let name: String
        let outcome: Outcome
        let matches: @Sendable (MatrixFailure) -> Bool
    }

    static let table: [Row] = [
        Row(name: "transport error", outcome: .connection(.network)) {
            if case .transport(_, let kind, _) = $0 { return kind != .unknown }
            return false
        },
        Row(name: "429 M_LIMIT_EXCEEDED", outcome: .connection(.rateLimited)) {
            status($0) == 429 || errcode($0) == "M_LIMIT_EXCEEDED"
        },
        Row(name: "401 M_UNKNOWN_TOKEN", outcome: .connection(.auth)) { status($0) == 401 && errcode($0) == "M_UNKNOWN_TOKEN" },
        Row(name: "401 M_MISSING_TOKEN / other 401", outcome: .connection(.auth)) { status($0) == 401 },
        Row(name: "403 M_USER_DEACTIVATED", outcome: .connection(.auth)) { errcode($0) == "M_USER_DEACTIVATED" },
        Row(name: "403 on whoami or sync", outcome: .connection(.auth)) {
            status($0) == 403 && ($0.call == .whoami || $0.call == .sync)
        },
        Row(name: "join refused", outcome: .perRoom) { $0.call == .join && [400, 403, 404].contains(status($0) ?? 0) },
        Row(name: "send refused", outcome: .perMessage) {
            ($0.call == .send || $0.call == .resolveAlias) && [400, 403, 404, 413].contains(status($0) ?? 0)
        },
        Row(name: "5xx", outcome: .connection(.server)) { (500...599).contains(status($0) ?? 0) },
        Row(name: "invalid response", outcome: .connection(.server)) {
            if case .invalidResponse = $0 { return true }
            return false
        },
    ]

    /// The row that decides `failure`, or nil (an unclassified network failure).
    static func row(for failure: MatrixFailure) -> Row? { table.first { $0.matches(failure) } }

    /// `failure` as the `AdapterError` supervision (or `send`'s caller) sees. A per-room failure is returned as a
    /// per-message error (the adapter logs it and goes on; it never reaches supervision).
    package static func classify(_ failure: MatrixFailure) -> AdapterError {
        let text = message(for: failure)
        guard let row = row(for: failure) else {
            var error = AdapterError(.network, code: code(for: failure), message: text)
            error.classified = false
            return error
        }
        switch row.outcome {
        case .perMessage, .perRoom:
            return AdapterError.message(.server, code: code(for: failure), message: text)
        case .connection(let errorClass):
            var retryAfter: Int64?
            if errorClass == .rateLimited, case .api(_, _, _, _, let millis, _) = failure { retryAfter = millis ?? 1_000 }
            return AdapterError(errorClass, code: code(for: failure), message: text, retryAfterMillis: retryAfter)
        }
    }

    // MARK: - Parts

    private static func status(_ failure: MatrixFailure) -> Int? {
        if case .api(_, let status, _, _, _, _) = failure { return status }
        return nil
    }

    private static func errcode(_ failure: MatrixFailure) -> String? {
        if case .api(_, _, let errcode, _, _, _) = failure { return errcode }
        return nil
    }

    /// The errcode (`M_FORBIDDEN`), else the HTTP status, `invalid_json`, or the transport kind (`refused`, …).
    static func code(for failure: MatrixFailure) -> String {
        switch failure {
        case .transport(_, let kind, _): kind.rawValue
        case .api(_, let status, let errcode, _, _, _): errcode ?? String(status)
        case .invalidResponse: "invalid_json"
        }
    }

    /// A one-line, redacted text: which call, what happened.
    static func message(for failure: MatrixFailure) -> String {
        switch failure {
        case .transport(let call, _, let detail):
            return "\(call.rawValue): \(detail)"
        case .api(let call, let status, let errcode, let error, let retryAfter, let softLogout):
            var text = "\(call.rawValue): \(status)\(errcode.map { " \($0)" } ?? "") \(error.isEmpty ? "(no error text)" : error)"
            if let retryAfter { text += " (retry after \(DurationText.describe(millis: retryAfter)))" }
            if status == 401, errcode == "M_UNKNOWN_TOKEN" {
                text += softLogout
                    ? " (soft_logout: the session expired; log in again with the same device_id and put the new access_token in the configuration)"
                    : " (the access token was revoked or never existed: put a valid access_token in the configuration)"
            }
            return text
        case .invalidResponse(let call, let status, let detail):
            return "\(call.rawValue): HTTP \(status) with a response that is not the client-server API's: \(detail)"
        }
    }
}
