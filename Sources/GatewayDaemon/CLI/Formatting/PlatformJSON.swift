import GatewayCore
import GatewayRuntime
import GatewayNetworking
import GatewayStore

/// One platform in `status --json`. Times are Unix milliseconds (UTC), `null` when not set.
struct PlatformJSON: Codable, Equatable {
    var name: String
    var type: String
    var state: String
    var attempts: Int
    var nextRetryAt: Int64?
    /// Seconds until the next attempt (rounded up; 0 when due or overdue), null when none is scheduled.
    var nextRetryInS: Int64?
    var notBefore: Int64?
    var lastErrorClass: String?
    var lastErrorCode: String?
    var lastError: String?
    var firstFailedAt: Int64?
    var connectedSince: Int64?
    var exhausted: Bool
    var stateChangedAt: Int64
    /// Where it connects (`tls://host:port`), null for none.
    var endpoint: String?

    enum CodingKeys: String, CodingKey {
        case name, type, state, attempts, exhausted
        case nextRetryAt = "next_retry_at", nextRetryInS = "next_retry_in_s", notBefore = "not_before"
        case lastErrorClass = "last_error_class", lastErrorCode = "last_error_code", lastError = "last_error"
        case firstFailedAt = "first_failed_at", connectedSince = "connected_since", stateChangedAt = "state_changed_at"
        case endpoint
    }

    init(_ record: PlatformRecord, now: Int64) {
        name = record.name
        type = record.type
        state = record.state.rawValue
        attempts = record.attempts
        nextRetryAt = record.nextRetryAt
        nextRetryInS = record.nextRetryAt.map { RelativeTime.ceilingSeconds(max(0, $0 - now)) }
        notBefore = record.notBefore
        lastErrorClass = record.lastErrorClass?.rawValue
        lastErrorCode = record.lastErrorCode
        lastError = record.lastError
        firstFailedAt = record.firstFailedAt
        connectedSince = record.connectedSince
        exhausted = record.exhausted
        stateChangedAt = record.stateChangedAt
        endpoint = record.endpoint
    }

    /// Writes every key, `null` included, so scripts can rely on the shape.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(type, forKey: .type)
        try container.encode(state, forKey: .state)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(nextRetryAt, forKey: .nextRetryAt)
        try container.encode(nextRetryInS, forKey: .nextRetryInS)
        try container.encode(notBefore, forKey: .notBefore)
        try container.encode(lastErrorClass, forKey: .lastErrorClass)
        try container.encode(lastErrorCode, forKey: .lastErrorCode)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(firstFailedAt, forKey: .firstFailedAt)
        try container.encode(connectedSince, forKey: .connectedSince)
        try container.encode(exhausted, forKey: .exhausted)
        try container.encode(stateChangedAt, forKey: .stateChangedAt)
        try container.encode(endpoint, forKey: .endpoint)
    }
}

/// The whole `status --json` document.
struct StatusJSON: Codable, Equatable {
    /// Null when no daemon has ever held (or still holds) the lease.
    var daemon: DaemonJSON?
    var platforms: [PlatformJSON]
    var endpoints: [EndpointJSON]

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(daemon, forKey: .daemon)
        try container.encode(platforms, forKey: .platforms)
        try container.encode(endpoints, forKey: .endpoints)
    }
}
