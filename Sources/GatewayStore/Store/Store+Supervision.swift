import GatewayCore
// The watcher's side of the store: claiming due rows, recording outcomes, knowing when to wake.

extension Store {
    /// Claims every due row (up to `limit`, soonest first) for an attempt by `owner`: each becomes `connecting` under a
    /// lease of its connect timeout plus `leaseMarginMillis`, and its attempt is counted now — so an attempt the
    /// process dies during is still counted after a restart.
    ///
    /// With a `gate`, every due row first asks it for a login slot: a row given a later slot is rescheduled to it
    /// (event `paced`) instead of claimed, so a herd of due rows starts no faster than the budget allows.
    public func claimDue(
        owner: String, limit: Int = 1_000, leaseMarginMillis: Int64 = 5_000, gate: (any LoginGate)? = nil
    ) throws -> [PlatformRecord] {
        let now = now()
        return try connection.transaction {
            // platforms_due makes this a range scan of the due rows only.
            let names = try connection.rows(
                "SELECT name FROM platforms WHERE state = 'backing_off' AND next_retry_at <= ? ORDER BY next_retry_at, name LIMIT ?",
                [.integer(now), .integer(Int64(limit))]
            ) { $0.string(0) }
            var claimed: [PlatformRecord] = []
            for name in names {
                if let slot = gate?.slot(for: name, now: now), slot.start > now {
                    try applyInTransaction(
                        .reschedule(at: slot.start, why: .paced, detail: slot.detail), to: name, actor: .daemon, now: now)
                    continue
                }
                let leaseUntil = now + policy(for: name).connectTimeoutMillis + leaseMarginMillis
                claimed.append(try applyInTransaction(.claim(owner: owner, leaseUntil: leaseUntil), to: name, actor: .daemon, now: now))
            }
            return claimed
        }
    }

    /// Records that `owner`'s attempt on `name` connected. If it recovered from a network-class failure, the network
    /// is evidently back: the other network-class rows are pulled forward. Throws `illegalTransition` if the row is no longer this owner's attempt (paused meanwhile,
    /// lease expired): the caller must then disconnect the adapter.
    /// Rows holding a later login slot of `gate` are not pulled forward (they already wait for their turn).
    @discardableResult
    public func recordSuccess(_ name: String, owner: String, gate: (any LoginGate)? = nil) throws -> PlatformRecord {
        let now = now()
        return try connection.transaction {
            let before = try requireLease(name, owner: owner, action: .succeed)
            let record = try applyInTransaction(.succeed, to: name, actor: .daemon, now: now)
            // Only a recovery from a network-class failure says the network is back; a first connect says nothing
            // about the others (they may have failed for their own reasons a moment ago).
            if before.lastErrorClass == .network && before.firstFailedAt != nil {
                try pullForwardInTransaction(
                    except: name, reason: "\(name) reconnected after a network failure", gate: gate, now: now)
            }
            return record
        }
    }

    /// Records that `owner`'s attempt on `name` failed: queued with backoff (retryable), `needs_attention`
    /// (auth/conflict), or per the exhausted policy.
    @discardableResult
    public func recordFailure(_ name: String, owner: String, failure: PlatformFailure) throws -> PlatformRecord {
        let now = now()
        return try connection.transaction {
            try requireLease(name, owner: owner, action: .fail(failure))
            return try applyInTransaction(.fail(failure), to: name, actor: .daemon, now: now)
        }
    }

    /// Records that a connected platform dropped at runtime.
    @discardableResult
    public func recordDisconnect(_ name: String, failure: PlatformFailure) throws -> PlatformRecord {
        try apply(.disconnect(failure), to: name, actor: .daemon)
    }

    /// Graceful shutdown: `name`'s connection (or `owner`'s attempt on it) is being closed by this daemon; the row is
    /// due again at the next start. Rows no longer ours (paused meanwhile) are left alone.
    public func recordStopped(_ name: String, owner: String) throws {
        let now = now()
        try connection.transaction {
            guard let record = try readRecord(name) else { return }
            let ours = record.state == .connected || (record.state == .connecting && record.leaseOwner == owner)
            guard ours else { return }
            try applyInTransaction(.stopGracefully, to: name, actor: .daemon, now: now)
        }
    }

    /// Forgives the failure streak of every connection that has passed its stable period. Returns their names.
    @discardableResult
    public func stabilizeDue() throws -> [String] {
        let now = now()
        return try connection.transaction {
            let names = try connection.rows(
                "SELECT name FROM platforms WHERE state = 'connected' AND attempts > 0 AND stable_at <= ?",
                [.integer(now)]) { $0.string(0) }
            for name in names { try applyInTransaction(.stabilize, to: name, actor: .daemon, now: now) }
            return names
        }
    }

    /// Requeues `connecting` rows whose lease ran out (their attempt is counted as failed). Returns their names.
    @discardableResult
    public func expireLeases() throws -> [String] {
        let now = now()
        return try connection.transaction {
            let names = try connection.rows(
                "SELECT name FROM platforms WHERE state = 'connecting' AND lease_until <= ?", [.integer(now)]
            ) { $0.string(0) }
            for name in names { try applyInTransaction(.expireLease, to: name, actor: .daemon, now: now) }
            return names
        }
    }

    /// When the watcher next has work: the earliest of the next due retry, the next connection to become stable, and
    /// the next attempt lease to expire. Nil when nothing is scheduled. Each part is an index lookup or a scan of
    /// in-flight rows only.
    public func nextWakeAt() throws -> Int64? {
        let due = try connection.scalarInt("SELECT min(next_retry_at) FROM platforms WHERE state = 'backing_off'")
        let stable = try connection.scalarInt(
            "SELECT min(stable_at) FROM platforms WHERE state = 'connected' AND attempts > 0")
        let lease = try connection.scalarInt("SELECT min(lease_until) FROM platforms WHERE state = 'connecting'")
        return [due, stable, lease].compactMap { $0 }.min()
    }

    /// The earliest `next_retry_at` in the reconnect queue.
    public func earliestDue() throws -> Int64? {
        try connection.scalarInt("SELECT min(next_retry_at) FROM platforms WHERE state = 'backing_off'")
    }

    /// Pulls every network-class queued row forward to within the pull-forward window (jittered), never before its
    /// not-before. Call when the network is known to be back (a probe succeeded). Returns how many moved.
    @discardableResult
    public func pullForwardNetworkRows(reason: String) throws -> Int {
        let now = now()
        return try connection.transaction { try pullForwardInTransaction(except: nil, reason: reason, now: now) }
    }

    /// Pulls network-class queued rows (of `endpoint` only, when given) forward to within `windowMillis`.
    @discardableResult
    func pullForwardInTransaction(
        except excluded: String?, endpoint: String? = nil, windowMillis: Int64? = nil, reason: String,
        gate: (any LoginGate)? = nil, now: Int64
    ) throws -> Int {
        let window = max(windowMillis ?? settings.pullForwardWindowMillis, 0)
        let candidates = try connection.rows(
            """
            SELECT name, next_retry_at, not_before FROM platforms
            WHERE state = 'backing_off' AND last_error_class = 'network' AND next_retry_at > ?
            """ + (endpoint == nil ? "" : " AND endpoint = ?"),
            [.integer(now + window)] + (endpoint.map { [.text($0)] } ?? [])
        ) { (name: $0.string(0), due: $0.int64(1), notBefore: $0.optionalInt64(2)) }
        var moved = 0
        for candidate in candidates where candidate.name != excluded && gate?.holdsSlot(for: candidate.name, now: now) != true {
            let target = max(now + Int64.random(in: 0...window, using: &random), candidate.notBefore ?? 0)
            guard target < candidate.due else { continue }
            try applyInTransaction(
                .reschedule(at: target, why: .pulledForward, detail: reason), to: candidate.name, actor: .daemon, now: now)
            moved += 1
        }
        return moved
    }

    /// Throws unless `name` is `connecting` under `owner`'s lease; returns the row.
    @discardableResult
    private func requireLease(_ name: String, owner: String, action: PlatformAction) throws -> PlatformRecord {
        guard let record = try readRecord(name) else { throw StoreError.unknownPlatform(name) }
        guard record.state == .connecting, record.leaseOwner == owner else {
            throw StoreError.illegalTransition(platform: name, from: record.state, action: action.verb + " (not this daemon's attempt)")
        }
        return record
    }
}
