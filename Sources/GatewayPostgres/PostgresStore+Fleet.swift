import GatewayCore
import GatewayStore
import PostgresNIO

/// The fleet: daemons join with their identity, claim platforms under leases, renew them with their heartbeat, and
/// give them back when they stop. A platform is owned by at most one daemon whose lease has not run out; a row
/// whose lease ran out (its owner was killed, hung or cut off) is anyone's to take.
///
/// Safety rests on two rules. A claim takes only free rows, under `FOR UPDATE SKIP LOCKED`, so two daemons claiming
/// at once never take the same row. And an owner stops acting on a platform before its lease can run out: the
/// runner counts the lease from *before* it sent the renewal, on its own monotonic clock, and disconnects when a
/// renewal has not come back in time — so the next owner, which waits for `owner_until` to pass, never overlaps it.
/// Hosts' wall clocks must agree to well within the lease (NTP: milliseconds).
extension PostgresStore: FleetLeases {
    /// What a claim took (`FleetClaim`).
    public typealias Claim = FleetClaim

    /// Records `daemon` as a member of the fleet (a restarted process is a new member: a new owner id).
    public func join(_ daemon: DaemonIdentity) async throws {
        let now = now()
        _ = try await rows(
            "joining the fleet",
            """
            INSERT INTO fleet_daemons (owner, pid, host, started_at, heartbeat_at)
            VALUES (\(daemon.owner), \(daemon.pid), \(daemon.host), \(now), \(now))
            ON CONFLICT (owner) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at, stopped_at = NULL
            """)
    }

    /// Adds the configuration's platforms that the database does not have yet (queued, due at once; an `added`
    /// event each, as the SQLite store's startup writes), and refreshes the type and endpoint of the others. Learns
    /// each one's policy. One transaction. Returns the names added.
    @discardableResult
    public func register(_ specs: [PlatformSpec]) async throws -> [String] {
        policies.withLock { table in for spec in specs { table[spec.name] = spec.policy } }
        let now = now()
        return try await transaction("registering \(specs.count) platform(s)") { [self] connection in
            var added: [String] = []
            for spec in specs {
                let state = spec.enabled ? PlatformState.backingOff.rawValue : PlatformState.disabled.rawValue
                let due: Int64? = spec.enabled ? now : nil
                let inserted = try await connection.query(
                    """
                    INSERT INTO platforms (name, type, state, attempts, next_retry_at, scheduled_at, exhausted,
                                           state_changed_at, credential_fingerprint, created_at, endpoint)
                    VALUES (\(spec.name), \(spec.type), \(state), 0, \(due), \(due), false, \(now), \(spec.fingerprint),
                            \(now), \(spec.endpoint))
                    ON CONFLICT (name) DO UPDATE SET type = EXCLUDED.type, endpoint = EXCLUDED.endpoint
                    RETURNING (xmax = 0) AS inserted
                    """,
                    logger: logger)
                // xmax = 0: the row was inserted, not updated (PostgreSQL's way to tell an upsert's two outcomes).
                guard try await inserted.collect().first?.decode(Bool.self) == true else { continue }
                try await Self.append(
                    PlatformEvent(
                        platform: spec.name, at: now, kind: .added, fromState: nil,
                        toState: spec.enabled ? .backingOff : .disabled, attempt: 0, errorClass: nil,
                        detail: "type \(spec.type)", actor: Actor.config.description),
                    on: connection, logger: logger)
                added.append(spec.name)
            }
            return added
        }
    }

    /// How many platforms `daemon` should own for the work to spread evenly over the live daemons (those whose
    /// heartbeat is younger than `leaseMillis` and that have not stopped): the live rows divided by the live
    /// daemons, rounded up, capped by `maximum`.
    public func fairShare(for daemon: String, leaseMillis: Int64, maximum: Int = .max) async throws -> Int {
        let now = now()
        let found = try await rows(
            "counting the fleet",
            """
            SELECT (SELECT count(*) FROM platforms WHERE state <> 'disabled'),
                   (SELECT count(*) FROM fleet_daemons
                     WHERE stopped_at IS NULL AND (heartbeat_at > \(now - leaseMillis) OR owner = \(daemon)))
            """)
        guard let (platforms, daemons) = try found.first?.decode((Int, Int).self) else { return 0 }
        let share = (platforms + max(1, daemons) - 1) / max(1, daemons)
        return min(share, maximum)
    }

    /// Claims free platforms for `daemon` until it owns `share` of them: rows never owned, released, or whose
    /// owner's lease has run out, due soonest first. A row taken from a daemon whose lease ran out while it was
    /// connecting or connected is recovered through the state machine first (`interrupted`: its connection died
    /// with its owner), so the new owner reconnects it at once (connected) or after its backoff (an attempt that
    /// was in flight counts, as after a crash of a single daemon).
    public func claim(for daemon: String, share: Int, leaseMillis: Int64) async throws -> Claim {
        let now = now()
        return try await transaction("claiming platforms for \(daemon)") { [self] connection in
            let owned = try await connection.query(
                "SELECT count(*) FROM platforms WHERE owner = \(daemon) AND owner_until > \(now)", logger: logger
            ).collect().first?.decode(Int.self) ?? 0
            let wanted = share - owned
            // When the next lease of another daemon ends, should it stop renewing: the keeper looks again then, so
            // a dead daemon's platforms are taken over as its lease ends, not at the next turn after. (A live
            // daemon renews before: its leases always end after this daemon's next turn.)
            let nextFreeAt = try await connection.query(
                """
                SELECT min(owner_until) FROM platforms
                WHERE state <> 'disabled' AND owner IS NOT NULL AND owner <> \(daemon) AND owner_until > \(now)
                """,
                logger: logger
            ).collect().first?.decode(Int64?.self)
            guard wanted > 0 else { return Claim(nextFreeAt: nextFreeAt) }
            let free = try await connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM platforms
                WHERE state <> 'disabled' AND (owner IS NULL OR owner_until <= \(now))
                ORDER BY next_retry_at NULLS LAST, name
                LIMIT \(wanted)
                FOR UPDATE SKIP LOCKED
                """,
                logger: logger
            ).collect().map(Self.decode)
            var claim = Claim()
            for row in free {
                var record = row.record
                // Connecting or connected under another daemon (or under none: given back without being stopped):
                // that connection is gone with its owner.
                if row.owner != daemon, record.state == .connecting || record.state == .connected {
                    let previous = row.owner.map { "daemon \($0)" } ?? "no daemon"
                    record = try await interrupted(
                        record, because: "taken over from \(previous), whose lease ran out", by: daemon, now: now,
                        on: connection)
                    claim.takenOver.append(record.name)
                }
                // The attempt lease (connecting) names its owner; a row leaving its old owner has none by now.
                try await Self.write(record, on: connection, logger: logger)
                try await connection.query(
                    "UPDATE platforms SET owner = \(daemon), owner_until = \(now + leaseMillis) WHERE name = \(record.name)",
                    logger: logger)
                claim.claimed.append(record.name)
            }
            claim.nextFreeAt = nextFreeAt
            return claim
        }
    }

    /// Renews `daemon`'s heartbeat and the leases of the platforms it still owns; returns their names. A platform
    /// it believed it owned and that is not in the answer was taken over: the caller must stop acting on it.
    public func renew(for daemon: String, leaseMillis: Int64) async throws -> Set<String> {
        let now = now()
        return try await transaction("renewing the leases of \(daemon)") { [self] connection in
            try await connection.query(
                "UPDATE fleet_daemons SET heartbeat_at = \(now) WHERE owner = \(daemon)", logger: logger)
            let renewed = try await connection.query(
                """
                UPDATE platforms SET owner_until = \(now + leaseMillis)
                WHERE owner = \(daemon) AND owner_until > \(now)
                RETURNING name
                """,
                logger: logger
            ).collect()
            return Set(try renewed.map { try $0.decode(String.self) })
        }
    }

    /// Gives back every platform `daemon` owns (a graceful stop, after its connections were recorded as stopped)
    /// and marks it stopped. The others can claim them at once.
    public func release(for daemon: String) async throws {
        let now = now()
        try await transaction("releasing the platforms of \(daemon)") { [self] connection in
            try await connection.query(
                "UPDATE platforms SET owner = NULL, owner_until = NULL WHERE owner = \(daemon)", logger: logger)
            try await connection.query(
                "UPDATE fleet_daemons SET stopped_at = \(now), heartbeat_at = \(now) WHERE owner = \(daemon)", logger: logger)
        }
    }

    /// Recovers `daemon`'s rows among `names` that are connecting or connected but have no connection in its
    /// process (it let go of them when a renewal did not come back in time and the lease then held, or it claimed
    /// its own rows back after their lease ran out): `interrupted`, as after a crash. Returns the names recovered.
    public func recover(_ names: [String], for daemon: String) async throws -> [String] {
        guard !names.isEmpty else { return [] }
        let now = now()
        return try await transaction("recovering \(names.count) platform(s) of \(daemon)") { [self] connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM platforms
                WHERE name = ANY(\(names)) AND owner = \(daemon) AND owner_until > \(now)
                  AND state IN ('connecting', 'connected')
                ORDER BY name
                FOR UPDATE
                """,
                logger: logger
            ).collect().map(Self.decode)
            var recovered: [String] = []
            for row in rows {
                let record = try await interrupted(
                    row.record, because: "its daemon let go of the connection (a lease renewal did not answer in time)",
                    by: daemon, now: now, on: connection)
                try await Self.write(record, on: connection, logger: logger)
                recovered.append(record.name)
            }
            return recovered
        }
    }

    /// `record` (connecting or connected) moved through the state machine's crash recovery, its event appended.
    private func interrupted(
        _ record: PlatformRecord, because why: String, by daemon: String, now: Int64, on connection: PostgresConnection
    ) async throws -> PlatformRecord {
        let machine = PlatformMachine(policy: policy(for: record.name), now: now)
        let outcome = try random.withLock { random throws(StoreError) in
            try machine.apply(.recoverAfterRestart, to: record, random: &random)
        }
        try await Self.append(
            PlatformEvent(
                platform: record.name, at: now, kind: outcome.event, fromState: record.state,
                toState: outcome.record.state, attempt: outcome.record.attempts, errorClass: outcome.errorClass,
                detail: "\(why): \(outcome.detail ?? "")", actor: "daemon:\(daemon)"),
            on: connection, logger: logger)
        return outcome.record
    }

    /// The platforms `daemon` owns now.
    public func owned(by daemon: String) async throws -> [String] {
        let now = now()
        return try await rows(
            "reading what \(daemon) owns",
            "SELECT name FROM platforms WHERE owner = \(daemon) AND owner_until > \(now) ORDER BY name"
        ).map { try $0.decode(String.self) }
    }
}

/// A member of the fleet, as `fleet_daemons` records it.
public struct FleetDaemon: Sendable, Equatable {
    public var identity: DaemonIdentity
    public var startedAt: Int64
    public var heartbeatAt: Int64
    /// Set by a graceful stop; nil while it runs, or after it was killed.
    public var stoppedAt: Int64?
}

extension PostgresStore {
    /// Every daemon that ever joined, the freshest heartbeat first.
    public func fleet() async throws -> [FleetDaemon] {
        try await rows(
            "reading the fleet",
            "SELECT owner, pid, host, started_at, heartbeat_at, stopped_at FROM fleet_daemons ORDER BY heartbeat_at DESC, owner"
        ).map { row in
            let (owner, pid, host, started, heartbeat, stopped) = try row.decode((String, Int64, String, Int64, Int64, Int64?).self)
            return FleetDaemon(
                identity: DaemonIdentity(owner: owner, pid: pid, host: host), startedAt: started, heartbeatAt: heartbeat,
                stoppedAt: stopped)
        }
    }
}
