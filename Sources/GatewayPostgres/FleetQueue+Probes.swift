import GatewayCore
import GatewayStore
import PostgresNIO

// The watcher's writes beyond `SupervisionQueue`, on the daemon's own rows: pulling an endpoint's waiting platforms
// forward when a probe finds it back, and shortening waits scheduled under a wall clock that has since moved back.
extension FleetQueue {
    /// A probe found `endpoint` back: this daemon's platforms of that endpoint waiting after a network failure and
    /// due later than `windowMillis` from now are due within it (jittered, never before a server's not-before; rows
    /// holding a later slot of `gate` keep it), as the SQLite store's `pullForward(endpoint:…)`. Rows another daemon
    /// owns are not touched (their owner probes them); rows another transaction holds locked are left as they are.
    /// One transaction; returns how many moved.
    ///
    /// ```swift
    /// if result.isReachable {
    ///     try await queue.pullForward(endpoint: "tls://api.telegram.org:443", windowMillis: 2_000, reason: "probe ok", gate: budget)
    /// }
    /// ```
    @discardableResult
    public func pullForward(
        endpoint: String, windowMillis: Int64, reason: String, gate: (any LoginGate)?
    ) async throws -> Int {
        let now = store.now()
        let window = max(windowMillis, 0)
        return try await store.transaction("pulling forward the platforms of \(endpoint) for \(daemon)") { connection in
            // platforms_network_waiting: a range of the endpoint's and this owner's waiting rows.
            let candidates = try await connection.query(
                """
                SELECT \(unescaped: PostgresStore.columns) FROM platforms
                WHERE endpoint = \(endpoint) AND owner = \(daemon) AND owner_until > \(now)
                  AND state = 'backing_off' AND last_error_class = 'network' AND next_retry_at > \(now + window)
                ORDER BY next_retry_at, name
                FOR UPDATE SKIP LOCKED
                """,
                logger: store.logger
            ).collect().map { try PostgresStore.decode($0).record }
            return try await pullForward(
                candidates, except: nil, windowMillis: window, reason: reason, gate: gate, now: now, on: connection)
        }
    }

    /// Shortens the wait of this daemon's queued rows scheduled under a later wall clock than now (the clock moved
    /// backwards), so no row waits longer than its policy's wait or the server's not-before asked — as the SQLite
    /// store's `adjustForClockJumps`, through the same state machine action (`clockMovedBack`). Returns the rows
    /// changed, by name.
    @discardableResult
    public func adjustForClockJumps() async throws -> [String] {
        let now = store.now()
        return try await store.transaction("adjusting for a clock jump for \(daemon)") { connection in
            let shifted = try await connection.query(
                """
                SELECT \(unescaped: PostgresStore.columns) FROM platforms
                WHERE owner = \(daemon) AND owner_until > \(now) AND state = 'backing_off' AND scheduled_at > \(now)
                ORDER BY name
                FOR UPDATE SKIP LOCKED
                """,
                logger: store.logger
            ).collect().map { try PostgresStore.decode($0).record }
            for record in shifted {
                let scheduledAt = record.scheduledAt ?? now
                try await store.applyLocked(
                    .clockMovedBack(byMillis: scheduledAt - now), to: record, actor: actor, now: now, on: connection)
            }
            return shifted.map(\.name)
        }
    }
}
