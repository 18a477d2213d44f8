import GatewayCore
import GatewayStore
import Logging
import Synchronization

/// Keeps one daemon's platform leases in a fleet: renews what it owns every `renewEvery`, claims its fair share of
/// the free platforms, and — the safety rule — **stops acting on a platform before its lease can run out** in the
/// database, whether or not the database answers.
///
/// A platform is safe to act on until the time a renewal was *sent* (read before sending it) plus the lease, minus
/// `safety`: the database counts the lease from when the renewal arrives, which is later, so the keeper's bound is
/// always the earlier one. When a renewal does not come back in time (the database or the network hangs), the
/// keeper does not wait for it: at each platform's bound it reports the platform lost, and the runtime must
/// disconnect it — so the daemon that takes it over once `owner_until` has passed never overlaps this one (a
/// Telegram token polled twice answers 409). The hosts' wall clocks must agree to well within `safety` (NTP).
///
/// Time is the injected clock; a run with a `ManualClock` is deterministic.
public final class LeaseKeeper: Sendable {
    public struct Settings: Sendable, Equatable {
        /// How long a lease lasts in the database after each renewal.
        public var leaseMillis: Int64
        /// How often the leases are renewed (and the share claimed); a renewal that takes longer is abandoned.
        public var renewEveryMillis: Int64
        /// How long before the lease's end the daemon stops acting on a platform it could not renew.
        public var safetyMillis: Int64
        /// At most this many platforms, whatever the fair share.
        public var maximumShare: Int

        public init(leaseMillis: Int64 = 15_000, renewEveryMillis: Int64 = 5_000, safetyMillis: Int64 = 3_000, maximumShare: Int = .max) {
            self.leaseMillis = leaseMillis
            self.renewEveryMillis = renewEveryMillis
            self.safetyMillis = safetyMillis
            self.maximumShare = maximumShare
        }
    }

    /// What the runtime must do.
    public enum Change: Sendable, Equatable {
        /// Newly owned: supervise them (they are due per their rows).
        case gained([String])
        /// No longer safely owned: stop acting on them at once (disconnect, record nothing).
        case lost([String], reason: String)
    }

    public let identity: DaemonIdentity
    private let leases: any FleetLeases
    private let clock: any GatewayClock
    private let settings: Settings
    private let logger: Logger
    private let onChange: @Sendable (Change) async -> Void
    /// Each held platform → until when it is safe to act on it (clock ms).
    private let safeUntil = Mutex<[String: Int64]>([:])
    private let between = Mutex(false)
    /// When another daemon's lease on a platform next ends (from the last claim).
    private let nextFreeAt = Mutex<Int64?>(nil)

    public init(
        leases: any FleetLeases, identity: DaemonIdentity, clock: any GatewayClock, settings: Settings = Settings(),
        logger: Logger, onChange: @escaping @Sendable (Change) async -> Void
    ) {
        self.leases = leases
        self.identity = identity
        self.clock = clock
        self.settings = settings
        self.logger = logger
        self.onChange = onChange
    }

    /// Whether the daemon may act on `name` now.
    public func holds(_ name: String) -> Bool {
        let now = clock.nowMillis()
        return safeUntil.withLock { ($0[name] ?? .min) > now }
    }

    /// Whether the keeper is waiting for its next turn (not renewing or claiming).
    public var isBetweenTurns: Bool { between.withLock { $0 } }

    /// The platforms the daemon may act on now, by name.
    public var held: [String] {
        let now = clock.nowMillis()
        return safeUntil.withLock { $0.filter { $0.value > now }.keys.sorted() }
    }

    /// Joins the fleet, then renews and claims every `renewEvery` until cancelled, reporting losses on time in
    /// between. Returns when cancelled (then call `release()` once the platforms are stopped).
    public func run() async throws {
        try await leases.join(identity)
        var nextTurn = clock.nowMillis()
        while !Task.isCancelled {
            await fenceExpired()
            let now = clock.nowMillis()
            // A turn every renewal period; an earlier one when another daemon's lease on a platform this daemon
            // could take ends first (its owner may be dead: take the platform over as its lease ends).
            if now >= min(nextTurn, nextFreeAt.withLock { $0 } ?? .max) {
                nextTurn = now + settings.renewEveryMillis
                await turn(sentAt: now, deadline: nextTurn)
                continue
            }
            let earliest = safeUntil.withLock { $0.values.min() } ?? .max
            between.withLock { $0 = true }
            defer { between.withLock { $0 = false } }
            do { try await clock.sleep(untilMillis: min(nextTurn, earliest, nextFreeAt.withLock { $0 } ?? .max)) } catch { return }
        }
    }

    /// Gives every platform back (a graceful stop, after the runtime stopped them) and forgets them.
    public func release() async throws {
        safeUntil.withLock { $0 = [:] }
        try await leases.release(for: identity.owner)
    }

    /// One renewal and claim, abandoned at `deadline` or at the earliest safe-until, whichever comes first (the
    /// platforms whose bound passes are then reported lost by the loop).
    private func turn(sentAt: Int64, deadline: Int64) async {
        let owner = identity.owner
        let settings = settings
        let leases = leases
        // Set again by this turn's claim; a turn that fails before it waits for the next renewal period.
        nextFreeAt.withLock { $0 = nil }
        let bound = min(deadline, safeUntil.withLock { $0.values.min() } ?? .max)
        let renewal = await withDeadline(bound, clock: clock) {
            try await leases.renew(for: owner, leaseMillis: settings.leaseMillis)
        }
        switch renewal {
        case .timedOut:
            logger.warning("fleet: renewing the platform leases did not answer in time", metadata: ["daemon": "\(owner)"])
            return
        case .finished(.failure(let error)):
            logger.warning("fleet: renewing the platform leases failed", metadata: ["daemon": "\(owner)", "error": "\(error)"])
            return
        case .finished(.success(let renewed)):
            let until = sentAt + settings.leaseMillis - settings.safetyMillis
            let (lost, adopted) = safeUntil.withLock { held -> ([String], [String]) in
                let lost = held.keys.filter { !renewed.contains($0) }.sorted()
                // Owned in the database but not held here: a claim whose answer came too late, or a platform
                // stopped when a renewal hung whose lease had not run out after all. Renewed just now: safe again.
                let adopted = renewed.filter { held[$0] == nil }.sorted()
                for name in lost { held[name] = nil }
                for name in renewed { held[name] = until }
                return (lost, adopted)
            }
            if !lost.isEmpty { await onChange(.lost(lost, reason: "another daemon owns it now")) }
            if !adopted.isEmpty { await onChange(.gained(adopted)) }
        }
        let claimSent = clock.nowMillis()
        let claim = await withDeadline(min(deadline, safeUntil.withLock { $0.values.min() } ?? .max), clock: clock) {
            let share = try await leases.fairShare(for: owner, leaseMillis: settings.leaseMillis, maximum: settings.maximumShare)
            return try await leases.claim(for: owner, share: share, leaseMillis: settings.leaseMillis)
        }
        if case .finished(.success(let taken)) = claim {
            // Strictly later than now: a lease ending now was claimable now, so nothing is missed by waiting.
            nextFreeAt.withLock { $0 = taken.nextFreeAt.map { max($0, claimSent + 1) } }
        }
        guard case .finished(.success(let taken)) = claim, !taken.claimed.isEmpty else {
            if case .finished(.failure(let error)) = claim {
                logger.warning("fleet: claiming platforms failed", metadata: ["daemon": "\(owner)", "error": "\(error)"])
            }
            return
        }
        let until = claimSent + settings.leaseMillis - settings.safetyMillis
        safeUntil.withLock { held in for name in taken.claimed { held[name] = until } }
        logger.info("fleet: claimed platforms", metadata: [
            "daemon": "\(owner)", "platforms.claimed": "\(taken.claimed.count)", "platforms.taken_over": "\(taken.takenOver.count)",
        ])
        await onChange(.gained(taken.claimed.sorted()))
    }

    /// Reports (and forgets) every platform whose safe-until has passed.
    private func fenceExpired() async {
        let now = clock.nowMillis()
        let expired = safeUntil.withLock { held -> [String] in
            let expired = held.filter { $0.value <= now }.keys.sorted()
            for name in expired { held[name] = nil }
            return expired
        }
        guard !expired.isEmpty else { return }
        logger.error("fleet: stopping platforms whose lease could not be renewed", metadata: [
            "daemon": "\(identity.owner)", "platforms": "\(expired.joined(separator: ","))",
        ])
        await onChange(.lost(expired, reason: "its lease could not be renewed in time (the database did not answer)"))
    }
}
