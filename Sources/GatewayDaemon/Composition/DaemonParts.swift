import GatewayCore
import GatewayRuntime
import GatewayNetworking
import GatewayStore
import ServiceLifecycle
import UnixSignals

/// What the composition root takes besides the configuration and the store. The defaults are `gatewayd run`'s;
/// tests and benchmarks replace the clock, the adapters or the signals, never the wiring.
public struct DaemonParts: Sendable {
    /// Supervision's time (a manual clock in tests, a virtual one in benchmarks).
    public var clock: any GatewayClock
    public var identity: DaemonIdentity
    /// The platform kinds the daemon knows (their target rules gate what is queued).
    public var kinds: [PlatformKind]
    /// Makes the adapters (tests inject fakes or count attempts); by default, the kinds' own makers.
    public var factory: any AdapterMaking
    /// Where adapters hand received messages (nil: the inbox).
    public var sink: (any InboundSink)?
    public var watcher: WatcherSettings
    /// The reachability probe (tests and benchmarks replace it); by default a real DNS + TCP + TLS probe of the
    /// endpoints the kinds declare.
    public var probing: any ReachabilityProbing
    /// The HTTP face, replacing the configuration's `http:` (`--http`); nil keeps the configuration's.
    public var http: HTTPConfig?
    /// Serve HTTP at all (the demo does not).
    public var serveHTTP: Bool
    /// Called with the address the HTTP face listens on, once it does (the port when asked for port 0).
    public var onHTTPListening: @Sendable (String, Int) async -> Void
    /// The signals that start a graceful shutdown (none in tests, which cancel or trigger it themselves).
    public var shutdownSignals: [UnixSignal]
    /// A daemon of a fleet (the store is its view of a PostgreSQL database): its platform leases and the operator
    /// writes it listens for. Nil on one daemon's SQLite file.
    public var fleet: FleetMembership?

    public init(
        clock: any GatewayClock = SystemGatewayClock(),
        identity: DaemonIdentity = .current(),
        kinds: [PlatformKind] = PlatformKinds.all,
        factory: (any AdapterMaking)? = nil,
        sink: (any InboundSink)? = nil,
        watcher: WatcherSettings = WatcherSettings(),
        probing: (any ReachabilityProbing)? = nil,
        http: HTTPConfig? = nil,
        serveHTTP: Bool = true,
        onHTTPListening: @escaping @Sendable (String, Int) async -> Void = { _, _ in },
        shutdownSignals: [UnixSignal] = [.sigterm, .sigint],
        fleet: FleetMembership? = nil
    ) {
        self.fleet = fleet
        self.clock = clock
        self.identity = identity
        self.kinds = kinds
        self.factory = factory ?? AdapterFactory(kinds: kinds)
        self.sink = sink
        self.watcher = watcher
        self.probing = probing ?? KindProbing(kinds: kinds)
        self.http = http
        self.serveHTTP = serveHTTP
        self.onHTTPListening = onHTTPListening
        self.shutdownSignals = shutdownSignals
    }
}
