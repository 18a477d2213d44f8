import GatewayNetworking
import GatewayCore

extension IRCAdapter {
    /// Queues `lines` on the paced outbox followed by `PING :gatewayd-N`, and returns once the server's PONG with that
    /// token has arrived.
    ///
    /// IRC acknowledges nothing, but a server reads and processes one client's commands in order, so that PONG proves
    /// every line before it was read and processed (relayed). The PING is one more line on the pacer, like any other:
    /// a one-line message costs two lines. Throws a connection-scope error — so the outbox flusher puts the message
    /// back to `queued` and sends it again after the reconnect (at-least-once) — when the link ends first (the reason
    /// it ended with), and when no PONG comes within `ping_timeout` of the PING being written (`network
    /// ping_timeout`; the link is then given up and reconnected, as for an unanswered idle PING).
    func sendConfirmed(_ lines: [IRCLine]) async throws {
        let token = try pings.expect()
        do {
            try await outbox.send(lines + [.make("PING", [token])])
        } catch {
            pings.discard(token)
            throw error
        }
        let clock = context.clock
        let deadline = clock.nowMillis() + settings.pingTimeoutMillis
        let timer = Task {
            do { try await clock.sleep(untilMillis: deadline) } catch { return }
            let failure = IRCFailures.classify(.pingTimeout, message: "no reply within \(DurationText.describe(millis: settings.pingTimeoutMillis)) to the PING after a message: the server may not have read its lines")
            if pings.fail(token, with: failure) { liveConnection?.post(.abandoned(failure)) }
        }
        defer { timer.cancel() }
        try await pings.wait(for: token)
    }
}
