import GatewayCore
import GatewayPostgres
import GatewayStore

/// What `gatewayd status --db postgres://…` prints: the fleet's daemons, then one row per platform with the daemon
/// that owns it. Pure functions of the rows, the fleet and `now`.
enum FleetStatusView {
    /// A daemon is running while it has not stopped and its heartbeat is fresh (the SQLite lease's threshold).
    static func isAlive(_ daemon: FleetDaemon, now: Int64) -> Bool {
        daemon.stoppedAt == nil && now - daemon.heartbeatAt < DaemonView.staleAfterMillis
    }

    /// The platform's owner while its lease runs, else nil.
    static func owner(_ row: FleetRecord, now: Int64) -> String? {
        guard let owner = row.owner, (row.ownerUntil ?? .min) > now else { return nil }
        return owner
    }

    static func render(rows: [FleetRecord], fleet: [FleetDaemon], now: Int64, width: Int? = nil) -> String {
        var lines = [fleetLine(fleet, rows: rows, now: now)]
        if rows.isEmpty {
            lines.append("no platforms in the database")
            return lines.joined(separator: "\n")
        }
        var table = TextTable(
            columns: [
                .init("NAME"), .init("TYPE"), .init("STATE"), .init("ATTEMPTS", alignment: .right), .init("NEXT RETRY"),
                .init("CONNECTED"), .init("OWNER"), .init("LAST ERROR"),
            ],
            flexibleColumn: 7)
        for row in rows {
            let record = row.record
            table.append([
                record.name, record.type, record.state.rawValue, StatusView.attempts(record),
                record.nextRetryAt.map { RelativeTime.due($0, now: now) } ?? "-",
                record.connectedSince.map { RelativeTime.describe($0, now: now) } ?? "-",
                ownerText(row, now: now), StatusView.lastError(record),
            ])
        }
        lines.append(table.render(width: width))
        return lines.joined(separator: "\n")
    }

    /// "fleet: 2 running — a (pid 1 on h1, heartbeat 2s ago, owns 3), …; gone: c (pid 3 on h3, stopped 5m ago)".
    static func fleetLine(_ fleet: [FleetDaemon], rows: [FleetRecord], now: Int64) -> String {
        let running = fleet.filter { isAlive($0, now: now) }
        let gone = fleet.filter { !isAlive($0, now: now) }
        func who(_ daemon: FleetDaemon) -> String {
            "\(TextTable.sanitize(daemon.identity.owner)) (pid \(daemon.identity.pid) on \(TextTable.sanitize(daemon.identity.host))"
        }
        var text = running.isEmpty ? "fleet: no daemon running" : "fleet: \(running.count) running — " + running.map { daemon in
            let owns = rows.filter { owner($0, now: now) == daemon.identity.owner }.count
            return who(daemon) + ", heartbeat \(RelativeTime.ago(daemon.heartbeatAt, now: now)), owns \(owns))"
        }.joined(separator: ", ")
        if !gone.isEmpty {
            text += "; gone: " + gone.prefix(5).map { daemon in
                let how = daemon.stoppedAt.map { "stopped \(RelativeTime.ago($0, now: now))" }
                    ?? "heartbeat stopped \(RelativeTime.ago(daemon.heartbeatAt, now: now))"
                return who(daemon) + ", \(how))"
            }.joined(separator: ", ") + (gone.count > 5 ? " and \(gone.count - 5) more" : "")
        }
        return text
    }

    /// "a", "-" (nobody), or "a (lease ran out 20s ago)".
    static func ownerText(_ row: FleetRecord, now: Int64) -> String {
        guard let owner = row.owner else { return "-" }
        if let until = row.ownerUntil, until <= now {
            return "\(TextTable.sanitize(owner)) (lease ran out \(RelativeTime.ago(until, now: now)))"
        }
        return TextTable.sanitize(owner)
    }

    /// Healthy when a daemon runs and every enabled platform is connected under a running owner's lease.
    static func isHealthy(rows: [FleetRecord], fleet: [FleetDaemon], now: Int64) -> Bool {
        let running = Set(fleet.filter { isAlive($0, now: now) }.map(\.identity.owner))
        guard !running.isEmpty else { return false }
        return rows.allSatisfy { row in
            row.record.state == .disabled || (row.record.state == .connected && owner(row, now: now).map(running.contains) == true)
        }
    }

    static func json(rows: [FleetRecord], fleet: [FleetDaemon], now: Int64) throws -> String {
        JSONOutput.text(try JSONOutput.encode(FleetStatusJSON(
            fleet: fleet.map { daemon in
                FleetDaemonJSON(
                    owner: daemon.identity.owner, pid: daemon.identity.pid, host: daemon.identity.host, startedAt: daemon.startedAt,
                    heartbeatAt: daemon.heartbeatAt, stoppedAt: daemon.stoppedAt, alive: isAlive(daemon, now: now),
                    platforms: rows.filter { owner($0, now: now) == daemon.identity.owner }.count)
            },
            platforms: rows.map { FleetPlatformJSON(platform: PlatformJSON($0.record, now: now), owner: owner($0, now: now), ownerUntil: $0.ownerUntil) })))
    }
}

/// `status --json` on PostgreSQL: `{"fleet": [...], "platforms": [...]}`.
struct FleetStatusJSON: Encodable {
    var fleet: [FleetDaemonJSON]
    var platforms: [FleetPlatformJSON]
}

struct FleetDaemonJSON: Encodable {
    var owner: String
    var pid: Int64
    var host: String
    var startedAt: Int64
    var heartbeatAt: Int64
    var stoppedAt: Int64?
    var alive: Bool
    /// How many platforms it owns now.
    var platforms: Int

    enum CodingKeys: String, CodingKey {
        case owner, pid, host, alive, platforms
        case startedAt = "started_at", heartbeatAt = "heartbeat_at", stoppedAt = "stopped_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(owner, forKey: .owner)
        try container.encode(pid, forKey: .pid)
        try container.encode(host, forKey: .host)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(heartbeatAt, forKey: .heartbeatAt)
        try container.encode(stoppedAt, forKey: .stoppedAt)
        try container.encode(alive, forKey: .alive)
        try container.encode(platforms, forKey: .platforms)
    }
}

/// One platform of `status --json` (the SQLite status's keys) plus `owner` (null when nobody holds its lease) and
/// `owner_until`.
struct FleetPlatformJSON: Encodable {
    var platform: PlatformJSON
    var owner: String?
    var ownerUntil: Int64?

    enum CodingKeys: String, CodingKey {
        case owner, ownerUntil = "owner_until"
    }

    func encode(to encoder: any Encoder) throws {
        try platform.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(owner, forKey: .owner)
        try container.encode(ownerUntil, forKey: .ownerUntil)
    }
}
