import GatewayCore
import GatewayRuntime
import GatewayNetworking
import Foundation
import GatewayStore

/// What `gatewayd queue` prints: the `backing_off` rows, soonest first (the store's order).
enum QueueView {
    static let emptyMessage = "the reconnect queue is empty"

    static func render(queue: [PlatformRecord], now: Int64, width: Int? = nil) -> String {
        guard !queue.isEmpty else { return emptyMessage }
        var table = TextTable(
            columns: [
                .init("NAME"), .init("ATTEMPTS", alignment: .right), .init("DUE"), .init("DUE (UTC)"),
                .init("NOT BEFORE"), .init("CLASS"), .init("ERROR"),
            ],
            flexibleColumn: 6)
        for record in queue {
            table.append([
                record.name, StatusView.attempts(record),
                record.nextRetryAt.map { RelativeTime.due($0, now: now) } ?? "-",
                record.nextRetryAt.map { UTCTime.iso8601(millis: $0, fractional: false) } ?? "-",
                record.notBefore.map { $0 > now ? RelativeTime.describe($0, now: now) : "-" } ?? "-",
                record.lastErrorClass?.rawValue ?? "-",
                record.lastError ?? "-",
            ])
        }
        return table.render(width: width)
    }

    static func json(queue: [PlatformRecord], now: Int64) throws -> Data {
        try JSONOutput.encode(QueueJSON(queue: queue.map { PlatformJSON($0, now: now) }))
    }
}

/// `queue --json`: `{"queue": [...]}`, each entry shaped like a `status --json` platform.
struct QueueJSON: Codable, Equatable {
    var queue: [PlatformJSON]
}
