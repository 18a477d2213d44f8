// One daemon per database: the lease row and its heartbeat.

/// Who holds (or wants) the daemon lease.
public struct DaemonIdentity: Sendable, Equatable {
    /// Unique per process start.
    public var owner: String
    public var pid: Int64
    public var host: String

    public init(owner: String, pid: Int64, host: String) {
        self.owner = owner
        self.pid = pid
        self.host = host
    }
}

/// The lease row as stored.
public struct DaemonLease: Sendable, Equatable {
    public var identity: DaemonIdentity
    public var startedAt: Int64
    public var heartbeatAt: Int64
    /// The reconnect watcher's own heartbeat (nil before its first loop).
    public var watcherAt: Int64?

    public init(identity: DaemonIdentity, startedAt: Int64, heartbeatAt: Int64, watcherAt: Int64?) {
        self.identity = identity
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.watcherAt = watcherAt
    }
}

extension Store {
    /// Takes the lease for `identity`. Refuses (`StoreError.leaseHeld`, naming the holder's pid and host) while
    /// another holder's heartbeat is fresh — unless it is on this host and `isAlive(pid)` says the process is gone.
    /// A stale lease is taken over.
    public func acquireDaemonLease(_ identity: DaemonIdentity, isAlive: @Sendable (Int64) -> Bool) throws {
        let now = now()
        try connection.transaction {
            if let held = try readLease(), held.identity.owner != identity.owner {
                let fresh = now - held.heartbeatAt < settings.leaseStaleAfterMillis
                let provablyDead = held.identity.host == identity.host && !isAlive(held.identity.pid)
                if fresh && !provablyDead {
                    throw StoreError.leaseHeld(
                        path: path, pid: held.identity.pid, host: held.identity.host, heartbeatAgeMillis: max(0, now - held.heartbeatAt))
                }
            }
            try connection.execute(
                """
                INSERT INTO daemon_lease (id, owner, pid, host, started_at, heartbeat_at, watcher_at)
                VALUES (1, ?1, ?2, ?3, ?4, ?4, NULL)
                ON CONFLICT (id) DO UPDATE SET owner = ?1, pid = ?2, host = ?3, started_at = ?4, heartbeat_at = ?4, watcher_at = NULL
                """,
                [.text(identity.owner), .integer(identity.pid), .text(identity.host), .integer(now)])
        }
    }

    /// Refreshes the lease's heartbeat (and the watcher's, when `watcher` is true). Throws `leaseLost` if another
    /// process took the lease over — the caller must stop.
    public func heartbeat(owner: String, watcher: Bool = false) throws {
        let now = now()
        let changed = try connection.transaction {
            try connection.execute(
                watcher
                    ? "UPDATE daemon_lease SET heartbeat_at = ?2, watcher_at = ?2 WHERE id = 1 AND owner = ?1"
                    : "UPDATE daemon_lease SET heartbeat_at = ?2 WHERE id = 1 AND owner = ?1",
                [.text(owner), .integer(now)])
        }
        if changed == 0 { throw StoreError.leaseLost(path: path) }
    }

    /// Gives the lease up (graceful shutdown). A no-op if someone else holds it.
    public func releaseDaemonLease(owner: String) throws {
        try connection.transaction {
            try connection.execute("DELETE FROM daemon_lease WHERE id = 1 AND owner = ?", [.text(owner)])
        }
    }

    /// The current lease, if any.
    public func daemonLease() throws -> DaemonLease? { try readLease() }

    private func readLease() throws -> DaemonLease? {
        try connection.first("SELECT owner, pid, host, started_at, heartbeat_at, watcher_at FROM daemon_lease WHERE id = 1") {
            DaemonLease(
                identity: DaemonIdentity(owner: $0.string(0), pid: $0.int64(1), host: $0.string(2)),
                startedAt: $0.int64(3), heartbeatAt: $0.int64(4), watcherAt: $0.optionalInt64(5))
        }
    }
}
