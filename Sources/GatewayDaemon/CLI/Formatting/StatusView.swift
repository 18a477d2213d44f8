import Foundation
import GatewayStore

/// What `gatewayd status` prints, as pure functions of the rows, the lease and `now`.
enum StatusView {
    /// The daemon line, then one aligned row per platform.
    /// - Parameter width: fit the table to this many columns (the last-error column is shortened), or nil.
    static func render(records: [PlatformRecord], lease: DaemonLease?, now: Int64, width: Int? = nil) -> String {
        var lines = [DaemonView.line(lease, now: now)]
        if records.isEmpty {
            lines.append("no platforms in the database (gatewayd run adds the configured ones)")
            return lines.joined(separator: "\n")
        }
        var table = TextTable(
            columns: [
                .init("NAME"), .init("TYPE"), .init("STATE"), .init("ATTEMPTS", alignment: .right),
                .init("NEXT RETRY"), .init("CONNECTED"), .init("LAST ERROR"),
            ],
            flexibleColumn: 6)
        for record in records {
            table.append([
                record.name, record.type, record.state.rawValue, attempts(record),
                record.nextRetryAt.map { RelativeTime.due($0, now: now) } ?? "-",
                record.connectedSince.map { RelativeTime.describe($0, now: now) } ?? "-",
                lastError(record),
            ])
        }
        lines.append(table.render(width: width))
        if !DaemonView.isAlive(lease, now: now), records.contains(where: { $0.state == .connected || $0.state == .connecting }) {
            lines.append("note: no daemon is running; connected/connecting are the states the last daemon left")
        }
        return lines.joined(separator: "\n")
    }

    /// The `--json` document: `{"daemon": {...} | null, "platforms": [...]}`, keys sorted.
    static func json(records: [PlatformRecord], lease: DaemonLease?, now: Int64) throws -> Data {
        try JSONOutput.encode(StatusJSON(
            daemon: lease.map { DaemonJSON($0, now: now) },
            platforms: records.map { PlatformJSON($0, now: now) }))
    }

    /// The exit status's rule: healthy when a daemon is alive (fresh heartbeat) and every enabled platform (state
    /// other than `disabled`) is connected. Rows still saying `connected` after a daemon crashed are not healthy.
    static func isHealthy(_ records: [PlatformRecord], lease: DaemonLease?, now: Int64) -> Bool {
        DaemonView.isAlive(lease, now: now) && records.allSatisfy { $0.state == .connected || $0.state == .disabled }
    }

    /// "3", or "20 (max)" once the attempts are exhausted and the slow cadence applies.
    static func attempts(_ record: PlatformRecord) -> String {
        record.exhausted ? "\(record.attempts) (max)" : "\(record.attempts)"
    }

    /// "network: connection refused", "rateLimited 429: slow down", or "-".
    static func lastError(_ record: PlatformRecord) -> String {
        guard record.lastErrorClass != nil || record.lastError != nil else { return "-" }
        var label = record.lastErrorClass?.rawValue ?? "error"
        if let code = record.lastErrorCode { label += " \(code)" }
        return record.lastError.map { "\(label): \($0)" } ?? label
    }
}
