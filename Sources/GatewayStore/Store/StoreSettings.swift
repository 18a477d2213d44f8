/// Store-wide rules that are not per-platform policy.
public struct StoreSettings: Sendable, Equatable {
    public var connection: ConnectionOptions
    /// Overdue rows found at startup are spread over at most this window (no reconnect storm after a restart).
    public var staggerWindowMillis: Int64
    /// Spacing per overdue row inside the stagger window: n rows use min(window, (n − 1) · spacing).
    public var staggerSpacingMillis: Int64
    /// A network-class row pulled forward after a success is due within this window (jittered).
    public var pullForwardWindowMillis: Int64
    /// Events kept per platform (the newest).
    public var eventsPerPlatform: Int
    /// A daemon lease whose heartbeat is older than this is stale and may be taken over.
    public var leaseStaleAfterMillis: Int64
    /// Run `PRAGMA quick_check` when opening, before the first write, and refuse a damaged file (the daemon and
    /// `migrate` do; read commands do not, to stay cheap).
    public var verifyOnOpen: Bool

    public init(
        connection: ConnectionOptions = .init(),
        staggerWindowMillis: Int64 = 10_000,
        staggerSpacingMillis: Int64 = 250,
        pullForwardWindowMillis: Int64 = 5_000,
        eventsPerPlatform: Int = 1_000,
        leaseStaleAfterMillis: Int64 = 30_000,
        verifyOnOpen: Bool = false
    ) {
        self.connection = connection
        self.staggerWindowMillis = staggerWindowMillis
        self.staggerSpacingMillis = staggerSpacingMillis
        self.pullForwardWindowMillis = pullForwardWindowMillis
        self.eventsPerPlatform = eventsPerPlatform
        self.leaseStaleAfterMillis = leaseStaleAfterMillis
        self.verifyOnOpen = verifyOnOpen
    }
}
