import GatewayCore
import GatewayStore
import PostgresNIO

extension PostgresStore {
    /// Who may apply an action to a platform row.
    public enum Authority: Sendable, Equatable {
        /// A daemon: only while it holds the row's owner lease. Every action of supervision (start an attempt,
        /// record its result, a disconnect) goes through here.
        case owner(String)
        /// An operator (`gatewayd retry`, `pause` … from any host): whoever owns the row sees the change.
        case `operator`(String)
    }

    /// Reads the row under a row lock, checks the authority, applies `action` through the pure state machine and
    /// writes the row and its event, in one transaction. Throws `FleetStoreError` (`not_owner`) when a daemon does
    /// not hold the lease — nothing is written then — and the machine's `StoreError` for an illegal transition.
    @discardableResult
    public func apply(_ action: PlatformAction, to name: String, as authority: Authority) async throws -> PlatformRecord {
        let now = now()
        return try await transaction("applying '\(action.verb)' to '\(name)'") { [self] connection in
            guard let row = try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM platforms WHERE name = \(name) FOR UPDATE", logger: logger
            ).collect().first.map(Self.decode) else {
                throw FleetStoreError.unknownPlatform(name)
            }
            let actor: String
            switch authority {
            case .owner(let daemon):
                guard row.isOwned(by: daemon, at: now) else {
                    throw FleetStoreError.notOwner(platform: name, daemon: daemon, owner: row.owner)
                }
                if case .claim(let attemptOwner, _) = action, attemptOwner != daemon {
                    throw FleetStoreError.notOwner(platform: name, daemon: attemptOwner, owner: row.owner)
                }
                actor = "daemon:\(daemon)"
            case .operator(let user):
                actor = Actor.operator(user).description
                // Delivered at commit to every daemon listening: the owner acts on it at once, from any host.
                try await connection.query("SELECT pg_notify(\(Self.operatorChannel), \(name))", logger: logger)
            }
            return try await applyLocked(action, to: row.record, actor: actor, now: now, on: connection)
        }
    }

    /// Applies `action` to `record` — a row this transaction holds locked (`FOR UPDATE`) — through the pure state
    /// machine, and writes the row and its event on `connection`. The owner lease is not checked here.
    @discardableResult
    func applyLocked(
        _ action: PlatformAction, to record: PlatformRecord, actor: String, now: Int64, on connection: PostgresConnection
    ) async throws -> PlatformRecord {
        let machine = PlatformMachine(policy: policy(for: record.name), now: now)
        let outcome = try random.withLock { random throws(StoreError) in try machine.apply(action, to: record, random: &random) }
        try await Self.write(outcome.record, on: connection, logger: logger)
        try await Self.append(
            PlatformEvent(
                platform: record.name, at: now, kind: outcome.event, fromState: record.state, toState: outcome.record.state,
                attempt: outcome.record.attempts, errorClass: outcome.errorClass, detail: outcome.detail, actor: actor),
            on: connection, logger: logger)
        return outcome.record
    }

    /// `daemon`'s platforms that are due now (queued, `next_retry_at` passed), soonest first.
    public func due(for daemon: String) async throws -> [String] {
        let now = now()
        return try await rows(
            "reading what is due for \(daemon)",
            """
            SELECT name FROM platforms
            WHERE owner = \(daemon) AND owner_until > \(now) AND state = 'backing_off' AND next_retry_at <= \(now)
            ORDER BY next_retry_at, name
            """
        ).map { try $0.decode(String.self) }
    }
}
