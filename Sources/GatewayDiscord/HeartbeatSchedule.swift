import GatewayNetworking
import GatewayCore
/// When to heartbeat, and when the connection is a zombie. Pure: times in, actions out; the adapter sleeps on its
/// injected clock until ``nextDueAt``.
///
/// After HELLO the first heartbeat is due at `interval × jitter` (jitter uniform in `[0, 1)`, so a fleet reconnecting
/// at once does not heartbeat in step), then every `interval` after the previous one was sent. If a heartbeat comes
/// due while the previous one is still unacknowledged, the connection is a zombie: close it with a code other than
/// 1000/1001 and resume. <https://discord.com/developers/docs/events/gateway#sending-heartbeats>
///
/// ```swift
/// var schedule = HeartbeatSchedule(helloAt: 0, intervalMillis: 41_250, jitter: 0.5)
/// schedule.nextDueAt          // 20_625
/// schedule.due(now: 20_625)   // .send — next due at 61_875
/// schedule.due(now: 61_875)   // .zombie (no ACK arrived)
/// ```
struct HeartbeatSchedule: Sendable, Equatable {
    enum Action: Sendable, Equatable {
        /// Send op 1 now.
        case send
        /// The previous heartbeat was never acknowledged.
        case zombie
    }

    let intervalMillis: Int64
    private(set) var nextDueAt: Int64
    /// A heartbeat was sent and its ACK has not arrived.
    private(set) var awaitingACK = false
    private(set) var sent = 0

    /// - Parameters:
    ///   - helloAt: when HELLO arrived (clock millis).
    ///   - intervalMillis: HELLO's `heartbeat_interval`; at least 1 ms is used.
    ///   - jitter: a random number in `[0, 1)`; clamped into that range.
    init(helloAt: Int64, intervalMillis: Int64, jitter: Double) {
        self.intervalMillis = max(1, intervalMillis)
        let fraction = jitter.isFinite ? min(max(jitter, 0), 0.999_999) : 0
        nextDueAt = helloAt + Int64(Double(self.intervalMillis) * fraction)
    }

    /// The clock reached ``nextDueAt`` (or later): heartbeat, or declare a zombie. Sending schedules the next
    /// heartbeat one interval after `now`, so a clock that jumps does not fire a burst.
    mutating func due(now: Int64) -> Action {
        if awaitingACK { return .zombie }
        awaitingACK = true
        sent += 1
        nextDueAt = now + intervalMillis
        return .send
    }

    /// op 11 arrived.
    mutating func acknowledged() { awaitingACK = false }
}
