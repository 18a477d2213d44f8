import GatewayCore
import GatewayRuntime
import GatewayNetworking
import Foundation
import GatewayStore

/// What `gatewayd events` prints: the history, oldest first (the store's order).
enum EventsView {
    static func render(events: [PlatformEvent], width: Int? = nil) -> String {
        guard !events.isEmpty else { return "no events" }
        // The free-text detail goes last, so shortening it to fit never shifts another column.
        var table = TextTable(
            columns: [
                .init("TIME (UTC)"), .init("PLATFORM"), .init("KIND"), .init("FROM→TO"),
                .init("ATTEMPT", alignment: .right), .init("CLASS"), .init("ACTOR"), .init("DETAIL"),
            ],
            flexibleColumn: 7)
        for event in events {
            table.append([
                UTCTime.iso8601(millis: event.at), event.platform, event.kind.rawValue, transition(event),
                event.attempt.map(String.init) ?? "-", event.errorClass?.rawValue ?? "-", event.actor,
                event.detail ?? "",
            ])
        }
        return table.render(width: width)
    }

    /// "backing_off→connecting"; "-" stands for a missing side (a platform's first row has no from-state).
    static func transition(_ event: PlatformEvent) -> String {
        "\(event.fromState?.rawValue ?? "-")→\(event.toState?.rawValue ?? "-")"
    }

    static func json(events: [PlatformEvent]) throws -> Data {
        try JSONOutput.encode(EventsJSON(events: events.map(EventJSON.init)))
    }
}

/// `events --json`: `{"events": [...]}`, oldest first.
struct EventsJSON: Codable, Equatable {
    var events: [EventJSON]
}

/// One event. `at` is Unix milliseconds; `at_utc` the same instant as ISO-8601.
struct EventJSON: Codable, Equatable {
    var id: Int64
    var platform: String
    var at: Int64
    var atUTC: String
    var kind: String
    var fromState: String?
    var toState: String?
    var attempt: Int?
    var errorClass: String?
    var detail: String?
    var actor: String

    enum CodingKeys: String, CodingKey {
        case id, platform, at, kind, attempt, detail, actor
        case atUTC = "at_utc", fromState = "from_state", toState = "to_state", errorClass = "error_class"
    }

    init(_ event: PlatformEvent) {
        id = event.id
        platform = event.platform
        at = event.at
        atUTC = UTCTime.iso8601(millis: event.at)
        kind = event.kind.rawValue
        fromState = event.fromState?.rawValue
        toState = event.toState?.rawValue
        attempt = event.attempt
        errorClass = event.errorClass?.rawValue
        detail = event.detail
        actor = event.actor
    }

    /// Writes every key, `null` included.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(platform, forKey: .platform)
        try container.encode(at, forKey: .at)
        try container.encode(atUTC, forKey: .atUTC)
        try container.encode(kind, forKey: .kind)
        try container.encode(fromState, forKey: .fromState)
        try container.encode(toState, forKey: .toState)
        try container.encode(attempt, forKey: .attempt)
        try container.encode(errorClass, forKey: .errorClass)
        try container.encode(detail, forKey: .detail)
        try container.encode(actor, forKey: .actor)
    }
}
