import GatewayCore
import GatewayRuntime
import GatewayNetworking
import Foundation
import GatewayStore

/// What `gatewayd status` prints, as pure functions of the rows, the lease and `now`.
enum StatusView {
    /// The daemon line, then one aligned row per platform.
    /// - Parameter width: fit the table to this many columns (the last-error column is shortened), or nil.
    /// - Parameter depths: per platform, messages the inbox consumer has not acknowledged and messages waiting to be sent.
    static func render(
        records: [PlatformRecord], lease: DaemonLease?, now: Int64, width: Int? = nil,
        depths: [String: (inbox: Int, outbox: Int)] = [:], probes: [EndpointProbe] = []
    ) -> String {
        var lines = [DaemonView.line(lease, now: now)]
        if records.isEmpty {
            lines.append("no platforms in the database (gatewayd run adds the configured ones)")
            return lines.joined(separator: "\n")
        }
        var table = TextTable(
            columns: [
                .init("NAME"), .init("TYPE"), .init("STATE"), .init("ATTEMPTS", alignment: .right),
                .init("NEXT RETRY"), .init("CONNECTED"), .init("INBOX", alignment: .right),
                .init("OUTBOX", alignment: .right), .init("LAST ERROR"),
            ],
            flexibleColumn: 8)
        for record in records {
            table.append([
                record.name, record.type, record.state.rawValue, attempts(record),
                record.nextRetryAt.map { RelativeTime.due($0, now: now) } ?? "-",
                record.connectedSince.map { RelativeTime.describe($0, now: now) } ?? "-",
                "\(depths[record.name]?.inbox ?? 0)", "\(depths[record.name]?.outbox ?? 0)",
                lastError(record),
            ])
        }
        lines.append(table.render(width: width))
        lines += EndpointJSON.list(records: records, probes: probes).compactMap { $0.line(now: now) }
        if !DaemonView.isAlive(lease, now: now), records.contains(where: { $0.state == .connected || $0.state == .connecting }) {
            lines.append("note: no daemon is running; connected/connecting are the states the last daemon left")
        }
        return lines.joined(separator: "\n")
    }

    /// The `--json` document: `{"daemon": {...} | null, "platforms": [...], "endpoints": [...]}`, keys sorted.
    static func json(records: [PlatformRecord], lease: DaemonLease?, now: Int64, probes: [EndpointProbe] = []) throws -> Data {
        try JSONOutput.encode(StatusJSON(
            daemon: lease.map { DaemonJSON($0, now: now) },
            platforms: records.map { PlatformJSON($0, now: now) },
            endpoints: EndpointJSON.list(records: records, probes: probes)))
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

extension StatusView {
    /// Colours the state column of a rendered table (after layout, so alignment is untouched): green connected,
    /// yellow connecting/backing_off, red needs_attention/gave_up, dim paused/disabled. The first state word of each
    /// row is the state column; later ones (in error texts) stay plain.
    static func colourStates(_ table: String) -> String {
        let colours: [(PlatformState, String)] = [
            (.needsAttention, "31"), (.gaveUp, "31"), (.backingOff, "33"), (.connecting, "33"),
            (.connected, "32"), (.paused, "2"), (.disabled, "2"),
        ]
        return table.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var text = String(line)
            let hits = colours.compactMap { state, code -> (Range<String.Index>, String)? in
                text.range(of: " \(state.rawValue) ").map { ($0, code) }
            }
            guard let (range, code) = hits.min(by: { $0.0.lowerBound < $1.0.lowerBound }) else { return text }
            let word = text[range].trimmingCharacters(in: .whitespaces)
            text.replaceSubrange(range, with: " \u{1B}[\(code)m\(word)\u{1B}[0m ")
            return text
        }.joined(separator: "\n")
    }
}
