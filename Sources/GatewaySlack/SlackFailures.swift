import GatewayCore
import GatewayNetworking

/// One row of the Slack failure table: what a Web API error code, an HTTP status or a Socket Mode event means for
/// supervision.
struct SlackFailure: Sendable, Equatable {
    let errorClass: ErrorClass
    /// Slack's own error code (`invalid_auth`), an HTTP status, or a short tag; the row's `last_error_code`.
    let code: String
    /// What it means, for the operator.
    let summary: String
    /// False for codes the table does not know (see ``SlackFailures/webAPI(_:)``).
    var known = true
    /// A failure of this one message only: the outbox fails the message and goes on; the connection is fine.
    var perMessage = false
    /// The wait Slack's rule implies when it gives none (`too_many_websockets`).
    var defaultRetryAfterMillis: Int64?

    /// The failure as supervision sees it; `detail` must already be redacted.
    func error(detail: String? = nil, retryAfterMillis: Int64? = nil) -> AdapterError {
        var error = AdapterError(
            errorClass, code: code, message: detail.map { "\(summary): \($0)" } ?? summary,
            retryAfterMillis: retryAfterMillis ?? defaultRetryAfterMillis)
        error.classified = known
        if perMessage { error.scope = .message }
        return error
    }
}

/// The Slack failure table (PROTOCOLS.md, "Slack"), in one place. Every row is covered by `SlackFailureTableTests`.
///
/// Web API errors arrive as HTTP 200 `{"ok": false, "error": "…"}` (https://docs.slack.dev/apis/web-api/#errors);
/// rate limits as HTTP 429 with `Retry-After` in seconds (https://docs.slack.dev/apis/web-api/rate-limits).
enum SlackFailures {
    // MARK: - Web API `error` codes

    static let webAPIErrors: [String: SlackFailure] = [
        // The token is wrong, revoked, or its workspace or user is gone: a human must act.
        "invalid_auth": row(.auth, "invalid_auth", "Slack rejected the token (invalid_auth)"),
        "not_authed": row(.auth, "not_authed", "Slack saw no token (not_authed)"),
        "token_revoked": row(.auth, "token_revoked", "the token was revoked (token_revoked)"),
        "account_inactive": row(.auth, "account_inactive", "the token's user or workspace is deactivated (account_inactive)"),
        "token_expired": row(.auth, "token_expired", "the token expired (token_expired)"),
        "missing_scope": row(.auth, "missing_scope", "the token lacks a scope this call needs (missing_scope)"),
        "not_allowed_token_type": row(.auth, "not_allowed_token_type", "a token of the wrong kind: app_token must be xapp-, bot_token xoxb- (not_allowed_token_type)"),
        // One message cannot go; the next one may.
        "channel_not_found": row(.auth, "channel_not_found", "no such channel, or the bot cannot see it (channel_not_found)", perMessage: true),
        "not_in_channel": row(.auth, "not_in_channel", "the bot is not a member of the channel (not_in_channel)", perMessage: true),
        "is_archived": row(.auth, "is_archived", "the channel is archived (is_archived)", perMessage: true),
        "msg_too_long": row(.auth, "msg_too_long", "Slack refused the text as too long (msg_too_long)", perMessage: true),
        "no_text": row(.auth, "no_text", "Slack refused an empty message (no_text)", perMessage: true),
        "restricted_action": row(.auth, "restricted_action", "the workspace does not let the bot post there (restricted_action)", perMessage: true),
        "cannot_reply_to_message": row(.auth, "cannot_reply_to_message", "that message cannot have replies (cannot_reply_to_message)", perMessage: true),
        // Wait, then go on.
        "ratelimited": row(.rateLimited, "ratelimited", "Slack rate-limited the call (ratelimited)"),
        "rate_limited": row(.rateLimited, "ratelimited", "Slack rate-limited the call (rate_limited)"),
        // Slack's own trouble.
        "internal_error": row(.server, "internal_error", "Slack had an internal error (internal_error)"),
        "fatal_error": row(.server, "fatal_error", "Slack had a fatal error (fatal_error)"),
        "service_unavailable": row(.server, "service_unavailable", "Slack is unavailable (service_unavailable)"),
        "request_timeout": row(.server, "request_timeout", "Slack timed out on the request (request_timeout)"),
    ]

    /// The row for `{"ok": false, "error": code}`. A code the table does not know is `server` (Slack answered, so
    /// the link is fine; it is retried with backoff, never hammered), unclassified: logged at warning with its text.
    static func webAPI(_ code: String) -> SlackFailure {
        if let row = webAPIErrors[code] { return row }
        let shown = String(code.prefix(60).filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
        return SlackFailure(errorClass: .server, code: shown.isEmpty ? "error" : shown, summary: "Slack answered error '\(shown)'", known: false)
    }

    // MARK: - HTTP

    /// HTTP 429: wait for `Retry-After`.
    static let tooManyRequests = row(.rateLimited, "429", "Slack rate-limited the call (HTTP 429)")

    /// The row for a non-200 HTTP status: 5xx is `server`; 401/403 `auth`; anything else unclassified `server`.
    static func http(status: Int) -> SlackFailure {
        switch status {
        case 429: return tooManyRequests
        case 401, 403: return row(.auth, "\(status)", "Slack refused the credentials (HTTP \(status))")
        case 500...599: return row(.server, "\(status)", "the Slack Web API failed (HTTP \(status))")
        default: return SlackFailure(errorClass: .server, code: "\(status)", summary: "the Slack Web API answered HTTP \(status)", known: false)
        }
    }

    /// The call could not be made (DNS, refused, TLS, timeout): the code is the ``TransportFailure`` kind.
    static func transport(_ kind: TransportFailure.Kind) -> SlackFailure {
        row(.network, kind.rawValue, "cannot reach the Slack Web API")
    }

    /// A 200 answer that is not the JSON the method documents.
    static let malformed = row(.server, "malformed", "Slack answered with something we cannot read")

    // MARK: - Socket Mode

    /// `disconnect` with `reason: link_disabled`: Socket Mode was turned off for the app; a human must turn it on.
    static let linkDisabled = row(.auth, "link_disabled", "Slack disabled the Socket Mode link (link_disabled): turn Socket Mode on for the app")
    /// `disconnect` with `reason: too_many_websockets`: the app already holds Slack's 10 sockets (other instances).
    /// Not auth — it clears when one of them closes — but not worth retrying at once: rate-limited for a minute.
    static let tooManyWebsockets = row(
        .rateLimited, "too_many_websockets", "the app already holds Slack's maximum of 10 Socket Mode connections (too_many_websockets)",
        defaultRetryAfterMillis: 60_000)
    /// A `disconnect` frame with a reason we do not know: reconnect with backoff.
    static func disconnect(reason: String) -> SlackFailure {
        let shown = String(reason.prefix(60).filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
        return SlackFailure(errorClass: .network, code: "disconnect", summary: "Slack closed the socket (disconnect '\(shown)')", known: false)
    }
    /// The socket ended without a `disconnect` frame (reset, EOF, a close frame alone).
    static let socketClosed = row(.network, "closed", "the Socket Mode connection closed without a disconnect frame")
    /// The socket could not be opened or broke (DNS, TCP, TLS, upgrade refused).
    static let socket = row(.network, "socket", "the Socket Mode WebSocket failed")
    /// No `hello` within the request timeout after the socket opened.
    static let noHello = row(.network, "no_hello", "the Socket Mode connection sent no hello in time")
    /// A frame that is not JSON, or an envelope without its `envelope_id`.
    static let protocolViolation = row(.server, "protocol", "Slack broke the Socket Mode protocol")
    /// The inbound sink refused a message: no ack was sent, so Slack delivers it again on the next connection.
    static let handOffFailed = row(.server, "handoff_failed", "could not hand a received message on; not acknowledged, so Slack redelivers it")

    // MARK: - Sending

    static let invalidTarget = row(.auth, "invalid_target", "the target is not a Slack conversation id", perMessage: true)
    static let emptyText = row(.auth, "no_text", "the message is empty", perMessage: true)

    private static func row(
        _ errorClass: ErrorClass, _ code: String, _ summary: String, perMessage: Bool = false, defaultRetryAfterMillis: Int64? = nil
    ) -> SlackFailure {
        SlackFailure(errorClass: errorClass, code: code, summary: summary, perMessage: perMessage, defaultRetryAfterMillis: defaultRetryAfterMillis)
    }
}
