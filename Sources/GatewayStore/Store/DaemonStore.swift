import GatewayCore

/// Everything a running daemon keeps in its database, the same on every backend: the watcher's queue
/// (`SupervisionQueue`), the messages (`MessageStore`), the alert incidents (`IncidentStore`), the adapters' cursors
/// (`CursorStore`), and the daemon's own presence, start-up, probes and history below.
///
/// `Store` is one daemon's SQLite file (its daemon lease makes every row the daemon's own). On PostgreSQL,
/// `FleetDaemonStore` is one daemon's view of the fleet's database: it supervises, sends and dispatches for the
/// platforms it owns, and reads everything. The runtime (`GatewayRunner` and the parts it builds) sees only this
/// protocol, so `gatewayd run` is the same daemon on both.
public protocol DaemonStore: SupervisionQueue, MessageStore, IncidentStore, CursorStore {
    /// Takes the database for `identity`: the single-instance lease of an SQLite file (`StoreError.leaseHeld`
    /// while another live daemon holds it), or membership of the fleet on PostgreSQL.
    func acquireDaemonLease(_ identity: DaemonIdentity, isAlive: @Sendable (Int64) -> Bool) async throws
    /// Gives the database back (graceful stop): the SQLite lease, or on PostgreSQL every platform the daemon owns.
    func releaseDaemonLease(owner: String) async throws
    /// The daemon's heartbeat (and its watcher's, when `watcher`).
    func heartbeat(owner: String, watcher: Bool) async throws
    /// The daemon's lease or membership row as stored.
    func daemonLease() async throws -> DaemonLease?
    /// Changes whenever another process wrote (an operator command): SQLite's `data_version`; on PostgreSQL a count
    /// of the operator writes announced by NOTIFY.
    func dataVersion() async throws -> Int64
    /// Throws when the database the daemon writes is no longer the one others read (an SQLite file deleted or
    /// replaced); nothing to check on a server.
    func checkFileStillInPlace() async throws

    /// Reconciles the configuration's platforms with the stored rows (added, resumed, disabled …).
    func startup(configured specs: [PlatformSpec]) async throws -> StartupReport
    /// Shortens the waits scheduled under a later wall clock (the clock moved back); returns the rows changed.
    func adjustForClockJumps() async throws -> [String]

    /// Every platform's row, by name.
    func platforms() async throws -> [PlatformRecord]
    /// Whether any platform can still come up without a human.
    func anyLive() async throws -> Bool
    /// The newest event's id (0 when none).
    func lastEventID() async throws -> Int64
    /// Events after `afterID`, oldest first.
    func events(afterID id: Int64, limit: Int) async throws -> [PlatformEvent]
    /// The events the status page's timeline draws, since `since`.
    func timelineEvents(since: Int64) async throws -> [PlatformEvent]

    /// Which of `endpoints` have a platform (of this daemon) waiting after a network-class failure.
    func endpointsWithNetworkWait(_ endpoints: [String]) async throws -> Set<String>
    /// Records a probe of `endpoint`.
    @discardableResult
    func recordProbe(_ endpoint: String, result: ProbeResult) async throws -> EndpointProbe
    /// Every endpoint's last probe.
    func endpointProbes() async throws -> [EndpointProbe]
    /// A probe found `endpoint` back: its (this daemon's) network-waiting platforms are due within `windowMillis`.
    @discardableResult
    func pullForward(endpoint: String, windowMillis: Int64, reason: String, gate: (any LoginGate)?) async throws -> Int
}

extension Store: DaemonStore {}
