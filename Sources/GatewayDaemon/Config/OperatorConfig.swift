/// The optional loopback HTTP face (`http:`): health, status, metrics and the status page.
public struct HTTPConfig: Sendable, Equatable {
    /// Where to listen; loopback by default.
    public var host: String
    public var port: Int
    /// When set, every request needs `Authorization: Bearer <token>` (the page too: pass it once as `?token=`).
    public var token: Secret?

    public init(host: String = "127.0.0.1", port: Int = 8787, token: Secret? = nil) {
        self.host = host
        self.port = port
        self.token = token
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
    /// Run with the alert in its environment (`GATEWAYD_ALERT_*`) and as JSON on standard input.
    public var command: String?
    /// A platform down (not connected) longer than this raises an alert.
    public var downAfterMillis: Int64
    /// A watcher heartbeat older than this raises an alert.
    public var stallAfterMillis: Int64

    public init(webhook: String? = nil, command: String? = nil, downAfterMillis: Int64 = 300_000, stallAfterMillis: Int64 = 60_000) {
        self.webhook = webhook
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
    /// How long messages are kept: delivered ones, and — without a webhook — all of them.
    public var retentionMillis: Int64

    public init(webhook: String? = nil, retentionMillis: Int64 = 7 * 86_400_000) {
        self.webhook = webhook
        self.retentionMillis = retentionMillis
    }
}
