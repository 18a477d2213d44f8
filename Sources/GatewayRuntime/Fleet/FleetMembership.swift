import GatewayCore
import GatewayStore
import Logging

/// What a daemon of a fleet runs besides the watcher (ARCHITECTURE.md, "Beyond one machine"): its platform leases,
/// kept by a ``LeaseKeeper``, and the feed of operator writes made from other hosts. Given to the composition root
/// with the fleet's store; one daemon on an SQLite file has none.
public struct FleetMembership: Sendable {
    public var leases: any FleetLeases
    public var operatorWrites: any OperatorWriteFeed
    public var settings: LeaseKeeper.Settings

    public init(leases: any FleetLeases, operatorWrites: any OperatorWriteFeed, settings: LeaseKeeper.Settings = .init()) {
        self.leases = leases
        self.operatorWrites = operatorWrites
        self.settings = settings
    }
}

/// The fleet's background work while the daemon runs: the lease keeper, and the operator-write listener (listening
/// again after a lost connection, one second later on the daemon's clock). Stopped before the daemon releases its
/// platforms, so that nothing claims them again.
final class FleetSession: Sendable {
    let keeper: LeaseKeeper
    private let tasks: [Task<Void, Never>]

    /// Starts the keeper and the listener. `onChange` is the keeper's; `onOperatorWrite` runs for every announced
    /// write and whenever the listener (re)starts.
    init(
        membership: FleetMembership, identity: DaemonIdentity, clock: any GatewayClock, logger: Logger,
        onChange: @escaping @Sendable (LeaseKeeper.Change) async -> Void,
        onOperatorWrite: @escaping @Sendable () -> Void
    ) {
        let keeper = LeaseKeeper(
            leases: membership.leases, identity: identity, clock: clock, settings: membership.settings, logger: logger,
            onChange: onChange)
        self.keeper = keeper
        let feed = membership.operatorWrites
        tasks = [
            Task {
                // The keeper returns when cancelled; it throws only when it cannot join (the database away): then it
                // joins again a second later — it never dies silently, leaving the daemon holding nothing.
                while !Task.isCancelled {
                    do {
                        try await keeper.run()
                    } catch {
                        logger.error("fleet: cannot join the fleet; trying again", metadata: ["error": "\(error)"])
                        try? await clock.sleep(untilMillis: clock.nowMillis() + 1_000)
                    }
                }
            },
            Task {
                while !Task.isCancelled {
                    do {
                        try await feed.listenForOperatorChanges(onListening: { onOperatorWrite() }) { _ in onOperatorWrite() }
                    } catch {
                        logger.warning("fleet: listening for operator writes failed; listening again", metadata: ["error": "\(error)"])
                        try? await clock.sleep(untilMillis: clock.nowMillis() + 1_000)
                    }
                }
            },
        ]
    }

    /// Stops both and waits for them.
    func stop() async {
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }
}
