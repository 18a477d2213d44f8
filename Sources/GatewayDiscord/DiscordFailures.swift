import GatewayNetworking
import GatewayCore

/// One row of the Discord failure table: what a close code, opcode or REST status means for supervision.
struct DiscordFailure: Sendable, Equatable {
    /// What happens to the persisted gateway session (`session_id`, `resume_gateway_url`, `seq`).
    enum Session: Sendable, Equatable {
        /// Kept: the next connect RESUMEs.
        case keep
        /// Forgotten: the next connect IDENTIFYs (and spends one unit of the daily IDENTIFY budget).
        case clear
    }

    let errorClass: ErrorClass
    /// The platform's code (close code, HTTP status) or a short tag; stored as the row's `last_error_code`.
    let code: String
    let session: Session
    /// Our own bug (a payload Discord could not read): logged at error, not just recorded.
    let loud: Bool
    /// False for codes the table does not know: they default to `network` and are logged at warning.
    let known: Bool
    /// What it means, for the operator.
    let summary: String
    /// A failure of one message only (the connection is fine): the outbox fails that message and goes on.
    var perMessage = false
    /// Discord asked for the reconnect (op 7, resumable op 9): supervision reconnects at once.
    var reconnectAtOnce = false

    /// The failure as the error supervision sees, with `detail` appended; `detail` must already be redacted.
    func error(detail: String? = nil, retryAfterMillis: Int64? = nil) -> AdapterError {
        var error = AdapterError(
            errorClass, code: code, message: detail.map { "\(summary): \($0)" } ?? summary,
            retryAfterMillis: retryAfterMillis)
        error.classified = known
        if perMessage { error.scope = .message }
        error.reconnectAtOnce = reconnectAtOnce
        return error
    }
}

/// The Discord failure table (PROTOCOLS.md, "Discord"), in one place: gateway close codes, gateway events that end a
/// connection, and REST statuses. Every row is covered by `DiscordFailureTableTests`.
///
/// Close codes: <https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes>.
enum DiscordFailures {
    // MARK: - Gateway close codes

    /// The gateway close codes with a defined meaning. A code not listed (1000, 1001, 1006, 4006, …) is `network`
    /// with the session kept, unclassified; see ``close(code:)``.
    static let closeCodes: [Int: DiscordFailure] = [
        4000: row(.network, "4000", .keep, "unknown gateway error; resuming"),
        4001: row(.server, "4001", .keep, "the gateway received an unknown opcode from us", loud: true),
        4002: row(.server, "4002", .keep, "the gateway could not decode a payload from us", loud: true),
        4003: row(.server, "4003", .clear, "the gateway says we sent a payload before identifying; identifying anew"),
        4004: row(.auth, "4004", .clear, "the gateway rejected the bot token (authentication failed)"),
        4005: row(.server, "4005", .keep, "the gateway says we identified twice", loud: true),
        4007: row(.server, "4007", .clear, "the gateway rejected our resume sequence; identifying anew"),
        4008: row(.rateLimited, "4008", .keep, "the gateway rate-limited our payloads (120 per 60 s)"),
        4009: row(.server, "4009", .clear, "the gateway session timed out; identifying anew"),
        4010: row(.auth, "4010", .clear, "configuration: the gateway rejected the shard"),
        4011: row(.auth, "4011", .clear, "configuration: the bot is in too many guilds and needs sharding"),
        4012: row(.auth, "4012", .clear, "configuration: the gateway rejected the API version"),
        4013: row(.auth, "4013", .clear, "configuration: invalid intents value"),
        4014: row(.auth, "4014", .clear, "configuration: disallowed intents (enable them in the developer portal or lower `intents`)"),
    ]

    /// How long a 4008 (gateway rate limit) waits: the gateway's whole window.
    static let gatewayRateLimitMillis: Int64 = 60_000

    /// The row for a gateway close, with or without a close code.
    static func close(code: Int?) -> DiscordFailure {
        guard let code else { return closedWithoutCode }
        if let row = closeCodes[code] { return row }
        return DiscordFailure(
            errorClass: .network, code: "\(code)", session: .keep, loud: false, known: false,
            summary: "the gateway closed the connection with code \(code); resuming")
    }

    /// The socket ended without a close frame (reset, EOF, abnormal closure).
    static let closedWithoutCode = row(.network, "closed", .keep, "the gateway connection closed without a close code; resuming")

    // MARK: - Gateway events

    /// op 7 Reconnect: the gateway asks us to reconnect and resume at once.
    static let reconnectRequested = row(.network, "reconnect_requested", .keep, "the gateway asked us to reconnect (op 7); resuming", reconnectAtOnce: true)
    /// op 9 with `d: true`.
    static let invalidSessionResumable = row(
        .network, "invalid_session_resumable", .keep, "the gateway invalidated the connection (op 9, resumable); resuming",
        reconnectAtOnce: true)
    /// op 9 with `d: false`.
    static let invalidSession = row(.server, "invalid_session", .clear, "the gateway invalidated the session (op 9); identifying anew")
    /// A heartbeat came due and the previous one was never acknowledged.
    static let zombie = row(.network, "zombie", .keep, "no heartbeat ACK since the last heartbeat: zombie connection closed; resuming")
    /// The socket could not be opened or failed (DNS, TCP, TLS, upgrade refused).
    static let socket = row(.network, "socket", .keep, "the gateway WebSocket failed")
    /// The gateway sent something we cannot read, or not what the protocol says.
    static let protocolViolation = row(.server, "protocol", .keep, "the gateway broke the protocol")
    /// `session_start_limit.remaining == 0`: no IDENTIFY until the budget resets.
    static let identifyBudgetExhausted = row(
        .rateLimited, "identify_budget", .keep, "the daily IDENTIFY budget is used up; waiting for it to reset")
    /// The inbound sink refused a batch: the connection is closed resumably so the batch is replayed.
    static let handOffFailed = row(.server, "handoff_failed", .keep, "could not hand a received message on; resuming from the last saved position")

    // MARK: - REST

    /// The REST statuses with a defined meaning for connecting (`/users/@me`, `/gateway/bot`). 5xx not listed here
    /// are `server` too; any other status is unclassified `network`. See ``rest(status:)``.
    static let restStatuses: [Int: DiscordFailure] = [
        401: row(.auth, "401", .keep, "Discord rejected the bot token (HTTP 401)"),
        429: row(.rateLimited, "429", .keep, "Discord rate-limited the request (HTTP 429)"),
        500: row(.server, "500", .keep, "Discord REST failed (HTTP 500)"),
        502: row(.server, "502", .keep, "Discord REST failed (HTTP 502)"),
        503: row(.server, "503", .keep, "Discord REST is unavailable (HTTP 503)"),
        504: row(.server, "504", .keep, "Discord REST timed out (HTTP 504)"),
        524: row(.server, "524", .keep, "Discord REST timed out behind its proxy (HTTP 524)"),
    ]

    /// The row for a failed REST call made while connecting.
    static func rest(status: Int) -> DiscordFailure {
        if let row = restStatuses[status] { return row }
        if (500...599).contains(status) { return row(.server, "\(status)", .keep, "Discord REST failed (HTTP \(status))") }
        return DiscordFailure(
            errorClass: .network, code: "\(status)", session: .keep, loud: false, known: false,
            summary: "Discord REST answered HTTP \(status)")
    }

    /// The REST call could not be made (DNS, refused, TLS, timeout): the code is the ``TransportFailure`` kind.
    static func restTransport(_ kind: TransportFailure.Kind) -> DiscordFailure {
        row(.network, kind.rawValue, .keep, "cannot reach the Discord REST API")
    }
    /// A 2xx REST answer that is not the JSON we expect.
    static let restMalformed = row(.server, "malformed", .keep, "Discord REST answered with something we cannot read")

    // MARK: - Per-message send failures (the connection is fine)

    /// Failures of one `POST /channels/{id}/messages` that say nothing about the connection: retrying the same
    /// message will not help. Keyed by Discord's JSON error code first, then by HTTP status.
    static func message(status: Int, jsonCode: Int?) -> DiscordFailure? {
        if jsonCode == 50007 { return cannotMessageUser }
        switch status {
        case 400: return messageRejected
        case 403: return messageForbidden
        case 404: return unknownChannel
        default: return nil
        }
    }

    static let cannotMessageUser = row(.auth, "cannot_message_user", .keep, "Discord will not deliver to this user (50007: DMs closed or no shared guild)", perMessage: true)
    static let messageForbidden = row(.auth, "message_forbidden", .keep, "the bot may not post in this channel (HTTP 403)", perMessage: true)
    static let unknownChannel = row(.auth, "unknown_channel", .keep, "no such channel, or the bot cannot see it (HTTP 404)", perMessage: true)
    static let messageRejected = row(.auth, "message_rejected", .keep, "Discord rejected the message (HTTP 400)", perMessage: true)
    static let invalidTarget = row(.auth, "invalid_target", .keep, "the target is not a Discord channel id (a snowflake)", perMessage: true)

    private static func row(
        _ errorClass: ErrorClass, _ code: String, _ session: DiscordFailure.Session, _ summary: String, loud: Bool = false,
        perMessage: Bool = false, reconnectAtOnce: Bool = false
    ) -> DiscordFailure {
        DiscordFailure(
            errorClass: errorClass, code: code, session: session, loud: loud, known: true, summary: summary,
            perMessage: perMessage, reconnectAtOnce: reconnectAtOnce)
    }
}
