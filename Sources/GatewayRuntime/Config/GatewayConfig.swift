import GatewayCore
import GatewayNetworking
import Foundation
import GatewayStore

/// The daemon's configuration file, validated: the global reconnect policy, what to do when every platform has failed,
/// the database path, and the platforms in file order.
///
/// ```yaml
/// reconnect: { base: 30s, factor: 2, cap: 300s, max_attempts: 20, jitter: 0.2, on_exhausted: slow }
/// when_all_failed: exit        # exit (default) | stay
/// database: /var/lib/gatewayd/gateway.db
/// platforms:
///   telegram: { type: telegram, token: ${TELEGRAM_BOT_TOKEN} }
///   lab:      { type: simulated, script: "fail network x3, then connect", reconnect: { base: 1s } }
/// ```
///
/// Every `reconnect` key is optional (defaults are `BackoffPolicy()`'s); a platform's own `reconnect:` overrides the
/// global one key by key. `${VAR}` in string values is taken from the environment passed in, `$$` is a literal `$`.
public struct GatewayConfig: Sendable, Equatable {
    /// The global reconnect policy, the base of every platform's ``PlatformConfig/policy``.
    public var reconnect: BackoffPolicy
    public var whenAllFailed: WhenAllFailed
    /// The database file, when the file names one (the CLI's `--db` and `$GATEWAYD_DB` otherwise).
    public var database: String?
    /// In file order.
    public var platforms: [PlatformConfig]
    /// The loopback HTTP face, when configured (or asked for with `--http`).
    public var http: HTTPConfig?
    /// Alerting, when configured.
    public var alerts: AlertsConfig?
    public var log: LogConfig = LogConfig()
    /// The inbox's consumer and retention.
    public var inbox: InboxConfig = InboxConfig()
    /// The daemon's part in a fleet (on PostgreSQL only).
    public var fleet: FleetConfig = FleetConfig()

    public init(
        reconnect: BackoffPolicy = BackoffPolicy(),
        whenAllFailed: WhenAllFailed = .exit,
        database: String? = nil,
        platforms: [PlatformConfig]
    ) {
        self.reconnect = reconnect
        self.whenAllFailed = whenAllFailed
        self.database = database
        self.platforms = platforms
    }

    /// The platform named `name`, if configured.
    public func platform(named name: String) -> PlatformConfig? {
        platforms.first { $0.name == name }
    }
}

/// What the daemon does once every enabled platform has given up (or is exhausted): `when_all_failed:`.
public enum WhenAllFailed: String, Sendable, Equatable, CaseIterable {
    /// Exit with a failure status so a supervisor (systemd) notices. The default.
    case exit
    /// Keep running, e.g. to wait for an operator's retry.
    case stay
}

extension GatewayConfig {
    /// Every secret in the configuration, for redactors.
    public var secrets: [String] {
        platforms.flatMap { $0.secrets.values.map(\.revealed) }
            + [http?.token, inbox.secret, alerts?.secret].compactMap { $0?.revealed }
    }
}
