import GatewayCore
import GatewayNetworking
/// The optional loopback HTTP face (`http:`): health, status, metrics and the status page.
public struct HTTPConfig: Sendable, Equatable {
    /// Where to listen; loopback by default.
    public var host: String
    public var port: Int
    /// When set, every request needs `Authorization: Bearer <token>` (the page too: pass it once as `?token=`).
    public var token: Secret?
    /// `allow_unauthenticated: true`: serve a non-loopback address without a token (say so on purpose: anyone who
    /// reaches the port can then send as the bot).
    public var allowUnauthenticated: Bool

    public init(host: String = "127.0.0.1", port: Int = 8787, token: Secret? = nil, allowUnauthenticated: Bool = false) {
        self.host = host
        self.port = port
        self.token = token
        self.allowUnauthenticated = allowUnauthenticated
    }

    /// Whether `host` is a loopback address or name (`127.0.0.0/8`, `::1`, `localhost`).
    public static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare == "localhost" || bare == "::1" { return true }
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// Why this face may not start, or nil: beyond loopback, `POST /v1/messages` lets anyone who reaches the port send
    /// as the bot, so a token is required unless `allow_unauthenticated` says otherwise.
    public var exposureProblem: String? {
        guard !Self.isLoopback(host), token == nil, !allowUnauthenticated else { return nil }
        return "\(host) is not a loopback address: set http.token (every request then needs it), or "
            + "http.allow_unauthenticated: true to serve it without one"
    }

    /// Parses `host:port`, `:port` or `port`.
    public static func listen(_ text: String) -> (host: String, port: Int)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        let host = parts.count == 2 ? String(parts[0]) : "127.0.0.1"
        guard let portText = parts.last, let port = Int(portText), (0...65_535).contains(port), parts.count <= 2 else {
            return nil
        }
        return (host.isEmpty ? "127.0.0.1" : host, port)
    }
}

/// Optional alerting (`alerts:`): a webhook and/or a command, fired once per incident and once on recovery.
public struct AlertsConfig: Sendable, Equatable {
    /// POSTed a JSON body per alert.
    public var webhook: String?
    /// Signs each webhook request (``WebhookSignature``) so the receiver can tell it is from this daemon.
    public var secret: Secret?
    /// Run with the alert in its environment (`GATEWAYD_ALERT_*`) and as JSON on standard input.
    public var command: String?
    /// A platform down (not connected) longer than this raises an alert.
    public var downAfterMillis: Int64
    /// A watcher heartbeat older than this raises an alert.
    public var stallAfterMillis: Int64

    public init(
        webhook: String? = nil, secret: Secret? = nil, command: String? = nil, downAfterMillis: Int64 = 300_000,
        stallAfterMillis: Int64 = 60_000
    ) {
        self.webhook = webhook
        self.secret = secret
        self.command = command
        self.downAfterMillis = downAfterMillis
        self.stallAfterMillis = stallAfterMillis
    }
}

/// How the daemon logs (`log:`); the CLI's `--log-format` / `--log-level` win.
public struct LogConfig: Sendable, Equatable {
    public enum Format: String, Sendable, Equatable, CaseIterable {
        case logfmt, json
    }

    public var format: Format
    public var level: String

    public init(format: Format = .logfmt, level: String = "info") {
        self.format = format
        self.level = level
    }
}

/// The inbox's consumer and retention (`inbox:`).
public struct InboxConfig: Sendable, Equatable {
    /// POSTed every received message (JSON, `Idempotency-Key`) until it answers 2xx. Without it, messages wait for
    /// `gatewayd inbox`.
    public var webhook: String?
    /// Signs each webhook request (``WebhookSignature``) so the consumer can tell it is from this daemon.
    public var secret: Secret?
    /// How long messages are kept: delivered ones, and — without a webhook — all of them.
    public var retentionMillis: Int64

    public init(webhook: String? = nil, secret: Secret? = nil, retentionMillis: Int64 = 7 * 86_400_000) {
        self.webhook = webhook
        self.secret = secret
        self.retentionMillis = retentionMillis
    }
}
