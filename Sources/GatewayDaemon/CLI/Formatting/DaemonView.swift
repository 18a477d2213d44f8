import GatewayCore
import GatewayRuntime
import GatewayNetworking
import GatewayStore

/// The one line (and JSON object) about the daemon that holds the database's lease.
enum DaemonView {
    /// A heartbeat older than this means the holder is gone (the store's own takeover threshold).
    static let staleAfterMillis = StoreSettings().leaseStaleAfterMillis

    /// Whether a daemon holds the lease and heartbeats.
    static func isAlive(_ lease: DaemonLease?, now: Int64) -> Bool {
        guard let lease else { return false }
        return now - lease.heartbeatAt < staleAfterMillis
    }

    /// "daemon: pid 123 on host, heartbeat 2s ago", "daemon: not running", or — for a stale lease — "daemon: not
    /// running (pid 123 on host stopped heartbeating 5m ago)".
    static func line(_ lease: DaemonLease?, now: Int64) -> String {
        guard let lease else { return "daemon: not running" }
        let who = "pid \(lease.identity.pid) on \(TextTable.sanitize(lease.identity.host))"
        guard isAlive(lease, now: now) else {
            return "daemon: not running (\(who) stopped heartbeating \(RelativeTime.ago(lease.heartbeatAt, now: now)))"
        }
        var text = "daemon: \(who), heartbeat \(RelativeTime.ago(lease.heartbeatAt, now: now))"
        if let watcherAt = lease.watcherAt { text += ", watcher \(RelativeTime.ago(watcherAt, now: now))" }
        return text
    }
}

/// The `daemon` object of `status --json`.
struct DaemonJSON: Codable, Equatable {
    var pid: Int64
    var host: String
    var owner: String
    var startedAt: Int64
    var heartbeatAt: Int64
    var heartbeatAgeS: Int64
    var watcherAt: Int64?
    /// False when the heartbeat is stale: the holder died without releasing the lease.
    var alive: Bool

    enum CodingKeys: String, CodingKey {
        case pid, host, owner, alive
        case startedAt = "started_at", heartbeatAt = "heartbeat_at", heartbeatAgeS = "heartbeat_age_s"
        case watcherAt = "watcher_at"
    }

    init(_ lease: DaemonLease, now: Int64) {
        pid = lease.identity.pid
        host = lease.identity.host
        owner = lease.identity.owner
        startedAt = lease.startedAt
        heartbeatAt = lease.heartbeatAt
        heartbeatAgeS = max(0, now - lease.heartbeatAt) / 1000
        watcherAt = lease.watcherAt
        alive = DaemonView.isAlive(lease, now: now)
    }

    /// Writes every key, `null` included, so scripts can rely on the shape.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(pid, forKey: .pid)
        try container.encode(host, forKey: .host)
        try container.encode(owner, forKey: .owner)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(heartbeatAt, forKey: .heartbeatAt)
        try container.encode(heartbeatAgeS, forKey: .heartbeatAgeS)
        try container.encode(watcherAt, forKey: .watcherAt)
        try container.encode(alive, forKey: .alive)
    }
}
