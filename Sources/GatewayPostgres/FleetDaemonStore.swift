import GatewayCore
import GatewayStore
import Synchronization

/// One daemon's view of a fleet's PostgreSQL database: what `gatewayd run --db postgres://…` runs on
/// (`DaemonStore`, as the SQLite `Store` is for one daemon).
///
/// It supervises (``FleetQueue``), sends (`waitingOutbox`), dispatches (`pendingInbox`) and probes for the platforms
/// the daemon owns, stores a received batch only while it owns the platform, and reads everything else as the fleet
/// sees it. Its "data version" counts the operator writes announced to it (LISTEN/NOTIFY), so the watcher re-reads
/// its rows after one as it does after SQLite's `data_version` changes.
public struct FleetDaemonStore: DaemonStore, OperatorWriteFeed {
    public let store: PostgresStore
    public let queue: FleetQueue
    /// The daemon's owner id.
    public var daemon: String { queue.daemon }
    private let writes = Counter()

    public init(store: PostgresStore, daemon: String) {
        self.store = store
        queue = FleetQueue(store: store, daemon: daemon)
    }

    // MARK: presence

    /// Joins the fleet (a fleet has no single-instance lease: every daemon takes its share of the platforms).
    public func acquireDaemonLease(_ identity: DaemonIdentity, isAlive: @Sendable (Int64) -> Bool) async throws {
        try await store.join(identity)
    }

    /// Gives back every platform the daemon owns (after the watcher recorded their connections stopped).
    public func releaseDaemonLease(owner: String) async throws { try await store.release(for: owner) }
    public func heartbeat(owner: String, watcher: Bool) async throws { try await store.heartbeat(owner: owner, watcher: watcher) }
    public func daemonLease() async throws -> DaemonLease? { try await store.daemonLease(owner: daemon) }
    public func dataVersion() async throws -> Int64 { writes.value }
    public func checkFileStillInPlace() async throws {}

    public func listenForOperatorChanges(
        onListening: @Sendable () async -> Void, _ onChange: @Sendable (String) async -> Void
    ) async throws {
        try await store.listenForOperatorChanges(
            onListening: {
                writes.increment()  // what was written while no one listened was not announced: re-read
                await onListening()
            },
            { name in
                writes.increment()
                await onChange(name)
            })
    }

    // MARK: start-up and reading

    /// Adds the configuration's platforms the database does not have yet; the others keep their rows (the fleet's
    /// daemons share one configuration; a platform's row is moved only by its owner or an operator).
    public func startup(configured specs: [PlatformSpec]) async throws -> StartupReport {
        StartupReport(added: try await store.register(specs))
    }

    public func adjustForClockJumps() async throws -> [String] { try await queue.adjustForClockJumps() }
    public func platforms() async throws -> [PlatformRecord] { try await store.platforms() }
    public func anyLive() async throws -> Bool { try await store.anyLive() }
    public func lastEventID() async throws -> Int64 { try await store.lastEventID() }
    public func events(afterID id: Int64, limit: Int) async throws -> [PlatformEvent] { try await store.events(afterID: id, limit: limit) }
    public func timelineEvents(since: Int64) async throws -> [PlatformEvent] { try await store.timelineEvents(since: since) }

    // MARK: probes

    public func endpointsWithNetworkWait(_ endpoints: [String]) async throws -> Set<String> {
        try await store.endpointsWithNetworkWait(endpoints, ownedBy: daemon)
    }
    public func recordProbe(_ endpoint: String, result: ProbeResult) async throws -> EndpointProbe {
        try await store.recordProbe(endpoint, result: result)
    }
    public func endpointProbes() async throws -> [EndpointProbe] { try await store.endpointProbes() }
    public func pullForward(endpoint: String, windowMillis: Int64, reason: String, gate: (any LoginGate)?) async throws -> Int {
        try await queue.pullForward(endpoint: endpoint, windowMillis: windowMillis, reason: reason, gate: gate)
    }

    // MARK: the watcher's queue (the daemon's own rows)

    public func claimDue(owner: String, limit: Int, leaseMarginMillis: Int64, gate: (any LoginGate)?) async throws -> [PlatformRecord] {
        try await queue.claimDue(owner: owner, limit: limit, leaseMarginMillis: leaseMarginMillis, gate: gate)
    }
    public func recordSuccess(_ name: String, owner: String, gate: (any LoginGate)?) async throws -> PlatformRecord {
        try await queue.recordSuccess(name, owner: owner, gate: gate)
    }
    public func recordFailure(_ name: String, owner: String, failure: PlatformFailure) async throws -> PlatformRecord {
        try await queue.recordFailure(name, owner: owner, failure: failure)
    }
    public func recordDisconnect(_ name: String, failure: PlatformFailure) async throws -> PlatformRecord {
        try await queue.recordDisconnect(name, failure: failure)
    }
    public func recordStopped(_ name: String, owner: String) async throws { try await queue.recordStopped(name, owner: owner) }
    public func stabilizeDue() async throws -> [String] { try await queue.stabilizeDue() }
    public func expireLeases() async throws -> [String] { try await queue.expireLeases() }
    public func nextWakeAt() async throws -> Int64? { try await queue.nextWakeAt() }
    public func platform(_ name: String) async throws -> PlatformRecord? { try await queue.platform(name) }

    // MARK: messages

    /// Queues the batch, then announces it (after the commit): the platforms' owners send at once, wherever they run.
    public func enqueue(_ batch: [NewOutboxMessage]) async throws -> [OutboxEntry] {
        let entries = try await store.enqueue(batch)
        try await store.announce(batch.map(\.platform))
        return entries
    }
    public func nextOutbox(platform: String) async throws -> OutboxEntry? { try await store.nextOutbox(platform: platform) }
    public func waitingOutbox() async throws -> [(platform: String, notBefore: Int64?)] { try await store.waitingOutbox(ownedBy: daemon) }
    public func expireOutbox() async throws -> Int { try await store.expireOutbox() }
    public func updateOutbox(_ id: Int64, to state: OutboxEntry.State, platformIDs: [String], error: String?) async throws {
        try await store.updateOutbox(id, to: state, platformIDs: platformIDs, error: error)
    }
    public func delayOutbox(platform: String, until: Int64?) async throws { try await store.delayOutbox(platform: platform, until: until) }
    public func messageDepths() async throws -> [String: (inbox: Int, outbox: Int)] { try await store.messageDepths() }
    public func receive(platform: String, _ messages: [ReceivedMessage], cursors: [String: String]) async throws -> Int {
        try await store.receive(platform: platform, messages, cursors: cursors, owner: daemon)
    }
    public func pendingInbox(limit: Int) async throws -> [InboxEntry] { try await store.pendingInbox(ownedBy: daemon, limit: limit) }
    public func inbox(platform: String?, afterID: Int64, limit: Int) async throws -> [InboxEntry] {
        try await store.inbox(platform: platform, afterID: afterID, limit: limit)
    }
    public func markInboxDelivered(_ ids: [Int64]) async throws { try await store.markInboxDelivered(ids) }
    public func markInboxFailed(_ id: Int64, error: String, nextAttemptAt: Int64) async throws {
        try await store.markInboxFailed(id, error: error, nextAttemptAt: nextAttemptAt)
    }
    public func pruneInbox(deliveredBefore: Int64, undeliveredBefore: Int64?) async throws -> Int {
        try await store.pruneInbox(deliveredBefore: deliveredBefore, undeliveredBefore: undeliveredBefore)
    }
    public func replaceChannels(platform: String, _ channels: [ChannelEntry]) async throws -> Int64 {
        try await store.replaceChannels(platform: platform, channels)
    }
    public func upsertChannels(platform: String, _ channels: [ChannelEntry]) async throws -> Int64 {
        try await store.upsertChannels(platform: platform, channels)
    }
    public func channels(platform: String?) async throws -> [ChannelDirectoryEntry] { try await store.channels(platform: platform) }
    public func cursor(platform: String, key: String) async throws -> String? { try await store.cursor(platform: platform, key: key) }
    public func setCursors(platform: String, _ values: [String: String]) async throws {
        try await store.setCursors(platform: platform, values)
    }

    // MARK: alerts

    public func openIncident(_ incident: AlertIncident) async throws -> Bool { try await store.openIncident(incident) }
    public func closeIncident(subject: String, kind: String) async throws -> Bool {
        try await store.closeIncident(subject: subject, kind: kind)
    }
    public func openIncidents() async throws -> [AlertIncident] { try await store.openIncidents() }
    public func recordAlertEvent(platform: String, sent: Bool, detail: String) async throws {
        try await store.recordAlertEvent(platform: platform, sent: sent, detail: detail, actor: "alerts:\(daemon)")
    }
}

/// The count of operator writes announced to this daemon.
private final class Counter: Sendable {
    private let count = Mutex<Int64>(0)
    var value: Int64 { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}
