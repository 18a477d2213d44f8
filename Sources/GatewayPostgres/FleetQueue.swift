import GatewayCore
import GatewayStore
import PostgresNIO

/// One daemon's reconnect queue in a fleet: the watcher's operations (`SupervisionQueue`, as the SQLite `Store`
/// does them) on the rows `daemon` owns, and no others. Each operation locks the rows it changes and checks the owner
/// lease in the same transaction, so a daemon whose lease ran out (another took the row over) changes nothing:
/// its writes throw `FleetStoreError` `not_owner`, and its scans simply no longer see the row.
public struct FleetQueue: SupervisionQueue {
    public let store: PostgresStore
    /// The daemon's owner id (`DaemonIdentity.owner`): the owner of its platform leases and of its attempts.
    public let daemon: String

    public init(store: PostgresStore, daemon: String) {
        self.store = store
        self.daemon = daemon
    }

    /// The actor of the events the daemon writes.
    var actor: String { "daemon:\(daemon)" }

    /// The daemon's rows matching `condition` (SQL over `platforms`), locked; rows another transaction holds are
    /// left for the next turn.
    private func lockOwned(
        _ condition: String, now: Int64, limit: Int? = nil, on connection: PostgresConnection
    ) async throws -> [PlatformRecord] {
        let limitClause = limit.map { " LIMIT \($0)" } ?? ""
        return try await connection.query(
            """
            SELECT \(unescaped: PostgresStore.columns) FROM platforms
            WHERE owner = \(daemon) AND owner_until > \(now) AND \(unescaped: condition)
            ORDER BY next_retry_at NULLS LAST, name\(unescaped: limitClause)
            FOR UPDATE SKIP LOCKED
            """,
            logger: store.logger
        ).collect().map { try PostgresStore.decode($0).record }
    }

    /// `name`'s row, locked, or nil when there is none.
    private func lockRow(_ name: String, on connection: PostgresConnection) async throws -> FleetRecord? {
        try await connection.query(
            "SELECT \(unescaped: PostgresStore.columns) FROM platforms WHERE name = \(name) FOR UPDATE", logger: store.logger
        ).collect().first.map(PostgresStore.decode)
    }

    /// `name`'s row, locked; throws unless the daemon owns it.
    private func lockOwnedRow(_ name: String, now: Int64, on connection: PostgresConnection) async throws -> PlatformRecord {
        guard let row = try await lockRow(name, on: connection) else { throw StoreError.unknownPlatform(name) }
        guard row.isOwned(by: daemon, at: now) else {
            throw FleetStoreError.notOwner(platform: name, daemon: daemon, owner: row.owner)
        }
        return row.record
    }

    private func requireAttempt(_ record: PlatformRecord, owner: String, action: PlatformAction) throws {
        guard record.state == .connecting, record.leaseOwner == owner else {
            throw StoreError.illegalTransition(
                platform: record.name, from: record.state, action: action.verb + " (not this daemon's attempt)")
        }
    }

    private func requireSelf(_ owner: String, platform: String) throws {
        guard owner == daemon else { throw FleetStoreError.notOwner(platform: platform, daemon: owner, owner: daemon) }
    }

    public func claimDue(
        owner: String, limit: Int, leaseMarginMillis: Int64, gate: (any LoginGate)?
    ) async throws -> [PlatformRecord] {
        try requireSelf(owner, platform: "(due rows)")
        let now = store.now()
        return try await store.transaction("claiming the due platforms of \(daemon)") { connection in
            let due = try await lockOwned(
                "state = 'backing_off' AND next_retry_at <= \(now)", now: now, limit: limit, on: connection)
            var claimed: [PlatformRecord] = []
            for record in due {
                if let slot = gate?.slot(for: record.name, now: now), slot.start > now {
                    try await store.applyLocked(
                        .reschedule(at: slot.start, why: .paced, detail: slot.detail), to: record, actor: actor, now: now,
                        on: connection)
                    continue
                }
                let leaseUntil = now + store.policy(for: record.name).connectTimeoutMillis + leaseMarginMillis
                claimed.append(try await store.applyLocked(
                    .claim(owner: owner, leaseUntil: leaseUntil), to: record, actor: actor, now: now, on: connection))
            }
            return claimed
        }
    }

    @discardableResult
    public func recordSuccess(_ name: String, owner: String, gate: (any LoginGate)?) async throws -> PlatformRecord {
        let now = store.now()
        return try await store.transaction("recording that '\(name)' connected") { connection in
            let before = try await lockOwnedRow(name, now: now, on: connection)
            try requireAttempt(before, owner: owner, action: .succeed)
            let record = try await store.applyLocked(.succeed, to: before, actor: actor, now: now, on: connection)
            // As in the SQLite store: only a recovery from a network-class failure says the network is back.
            if before.lastErrorClass == .network && before.firstFailedAt != nil {
                try await pullForward(
                    except: name, reason: "\(name) reconnected after a network failure", gate: gate, now: now, on: connection)
            }
            return record
        }
    }

    /// Moves the daemon's network-class queued rows due later than the pull-forward window to within it (spread
    /// at random over the window, never before a row's not-before), except rows holding a later slot of `gate`.
    private func pullForward(
        except excluded: String, reason: String, gate: (any LoginGate)?, now: Int64, on connection: PostgresConnection
    ) async throws {
        let window = max(store.pullForwardWindowMillis, 0)
        let candidates = try await lockOwned(
            "state = 'backing_off' AND last_error_class = 'network' AND next_retry_at > \(now + window)", now: now,
            on: connection)
        try await pullForward(
            candidates, except: excluded, windowMillis: window, reason: reason, gate: gate, now: now, on: connection)
    }

    /// Moves `candidates` — network-class queued rows due later than `window` from now, locked by this transaction —
    /// to within it (spread at random over the window, never before a row's not-before), except `excluded` and rows
    /// holding a later slot of `gate`. Returns how many moved.
    @discardableResult
    func pullForward(
        _ candidates: [PlatformRecord], except excluded: String?, windowMillis window: Int64, reason: String,
        gate: (any LoginGate)?, now: Int64, on connection: PostgresConnection
    ) async throws -> Int {
        var moved = 0
        for candidate in candidates where candidate.name != excluded && gate?.holdsSlot(for: candidate.name, now: now) != true {
            let offset = store.random.withLock { Int64.random(in: 0...window, using: &$0) }
            let target = max(now + offset, candidate.notBefore ?? 0)
            guard let due = candidate.nextRetryAt, target < due else { continue }
            try await store.applyLocked(
                .reschedule(at: target, why: .pulledForward, detail: reason), to: candidate, actor: actor, now: now,
                on: connection)
            moved += 1
        }
        return moved
    }

    @discardableResult
    public func recordFailure(_ name: String, owner: String, failure: PlatformFailure) async throws -> PlatformRecord {
        let now = store.now()
        return try await store.transaction("recording that '\(name)' failed") { connection in
            let before = try await lockOwnedRow(name, now: now, on: connection)
            try requireAttempt(before, owner: owner, action: .fail(failure))
            return try await store.applyLocked(.fail(failure), to: before, actor: actor, now: now, on: connection)
        }
    }

    @discardableResult
    public func recordDisconnect(_ name: String, failure: PlatformFailure) async throws -> PlatformRecord {
        let now = store.now()
        return try await store.transaction("recording that '\(name)' dropped") { connection in
            let before = try await lockOwnedRow(name, now: now, on: connection)
            return try await store.applyLocked(.disconnect(failure), to: before, actor: actor, now: now, on: connection)
        }
    }

    public func recordStopped(_ name: String, owner: String) async throws {
        let now = store.now()
        try await store.transaction("recording that '\(name)' stopped") { connection in
            // A row no longer ours (taken over, paused meanwhile) is left alone, as in the SQLite store.
            guard let row = try await lockRow(name, on: connection), row.isOwned(by: daemon, at: now) else { return }
            let before = row.record
            let ours = before.state == .connected || (before.state == .connecting && before.leaseOwner == owner)
            guard ours else { return }
            try await store.applyLocked(.stopGracefully, to: before, actor: actor, now: now, on: connection)
        }
    }

    @discardableResult
    public func stabilizeDue() async throws -> [String] {
        try await applyToOwned(.stabilize, doing: "marking connections stable") { now in
            "state = 'connected' AND attempts > 0 AND stable_at <= \(now)"
        }
    }

    @discardableResult
    public func expireLeases() async throws -> [String] {
        try await applyToOwned(.expireLease, doing: "expiring attempt leases") { now in
            "state = 'connecting' AND lease_until <= \(now)"
        }
    }

    /// Applies `action` to every owned row matching `condition` (SQL over `platforms`, given now); returns their names.
    private func applyToOwned(
        _ action: PlatformAction, doing what: String, where condition: (Int64) -> String
    ) async throws -> [String] {
        let now = store.now()
        let filter = condition(now)
        return try await store.transaction("\(what) for \(daemon)") { connection in
            var names: [String] = []
            for record in try await lockOwned(filter, now: now, on: connection) {
                try await store.applyLocked(action, to: record, actor: actor, now: now, on: connection)
                names.append(record.name)
            }
            return names.sorted()
        }
    }

    public func nextWakeAt() async throws -> Int64? {
        let now = store.now()
        let found = try await store.rows(
            "reading when \(daemon) next has work",
            """
            SELECT min(CASE WHEN state = 'backing_off' THEN next_retry_at END),
                   min(CASE WHEN state = 'connected' AND attempts > 0 THEN stable_at END),
                   min(CASE WHEN state = 'connecting' THEN lease_until END)
            FROM platforms WHERE owner = \(daemon) AND owner_until > \(now)
            """)
        guard let (due, stable, lease) = try found.first?.decode((Int64?, Int64?, Int64?).self) else { return nil }
        return [due, stable, lease].compactMap { $0 }.min()
    }

    public func platform(_ name: String) async throws -> PlatformRecord? {
        try await store.record(name)?.record
    }
}
