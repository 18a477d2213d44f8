import GatewayCore

/// Keeps `chat.postMessage` within Slack's pace and each channel's messages in order.
///
/// - Order: one send at a time per channel, first come first served (`acquire`/`release`), so the parts of a long
///   text — and consecutive messages to one channel — arrive in the order they were given.
/// - Pace (https://docs.slack.dev/apis/web-api/rate-limits, "chat.postMessage"): about one message per second per
///   channel, with short bursts allowed. A generic cell rate: a burst of ``burst`` goes at once, then one per
///   ``spacingMillis``; nothing to a channel before the `Retry-After` of a 429 it received.
///
/// Times are the injected `GatewayClock`'s, so tests drive the pacing by advancing a manual clock.
actor SlackSendPacer {
    static let spacingMillis: Int64 = 1_000
    static let burst = 3

    private let clock: any GatewayClock
    private var busy: [String: [CheckedContinuation<Void, Never>]] = [:]
    /// Per channel: the theoretical time of the next send at the steady pace.
    private var nextAt: [String: Int64] = [:]
    private var notBefore: [String: Int64] = [:]

    init(clock: any GatewayClock) { self.clock = clock }

    /// Waits until no other send to `channel` is in progress, then holds it until `release`.
    func acquire(_ channel: String) async {
        guard busy[channel] != nil else {
            busy[channel] = []
            return
        }
        await withCheckedContinuation { busy[channel, default: []].append($0) }
    }

    func release(_ channel: String) {
        guard var waiters = busy[channel], !waiters.isEmpty else {
            busy[channel] = nil
            return
        }
        let next = waiters.removeFirst()
        busy[channel] = waiters
        next.resume()
    }

    /// Books the earliest time (clock ms) a message to `channel` may go, and returns it.
    func reserve(_ channel: String) -> Int64 {
        let now = clock.nowMillis()
        let tolerance = Int64(Self.burst - 1) * Self.spacingMillis
        let theoretical = nextAt[channel] ?? now
        let slot = max(now, notBefore[channel] ?? now, theoretical - tolerance)
        nextAt[channel] = max(theoretical, slot) + Self.spacingMillis
        if let until = notBefore[channel], until <= now { notBefore[channel] = nil }
        return slot
    }

    /// Nothing more to `channel` before `until` (a 429's Retry-After).
    func block(_ channel: String, until: Int64) {
        notBefore[channel] = max(notBefore[channel] ?? until, until)
    }
}
