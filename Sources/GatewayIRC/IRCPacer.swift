import GatewayNetworking
import GatewayCore
/// When each outgoing line may go: a burst of ``burst`` lines, then one every ``intervalMillis``.
///
/// The classic client-side flood control (irssi's `cmds_max_at_once` / `cmd_queue_speed`, the server's own
/// "1 line per 2 s after a burst" accounting, mirrored): a virtual clock `debt` runs ahead of real time by
/// `intervalMillis` per line sent; a line may go once `debt` is no more than `(burst − 1) × interval` ahead of now.
/// After a quiet period the allowance refills at one line per interval. Pure: the caller passes "now".
struct IRCPacer: Sendable, Equatable {
    let burst: Int
    let intervalMillis: Int64
    /// The virtual time up to which the allowance is used.
    private var debt: Int64 = .min

    init(burst: Int = 5, intervalMillis: Int64 = 2_000) {
        self.burst = max(1, burst)
        self.intervalMillis = max(0, intervalMillis)
    }

    /// Books one line asked for at `now`; returns when it may be written (≥ now, non-decreasing across calls).
    mutating func schedule(now: Int64) -> Int64 {
        let base = max(debt, now)
        let sendAt = max(now, base - Int64(burst - 1) * intervalMillis)
        debt = base + intervalMillis
        return sendAt
    }
}
