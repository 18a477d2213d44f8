import GatewayCore
/// A platform as the configuration describes it, for `Store.startup`.
public struct PlatformSpec: Sendable, Equatable {
    public var name: String
    public var type: String
    /// A one-way digest of the credentials (`CredentialFingerprint`), never the secret itself.
    public var fingerprint: String?
    public var enabled: Bool
    public var policy: BackoffPolicy
    /// Where it connects (``Endpoint/description``), stored in `platforms.endpoint`; nil for none.
    public var endpoint: String?

    public init(
        name: String, type: String, fingerprint: String? = nil, enabled: Bool = true, policy: BackoffPolicy = .standard,
        endpoint: String? = nil
    ) {
        self.endpoint = endpoint
        self.name = name
        self.type = type
        self.fingerprint = fingerprint
        self.enabled = enabled
        self.policy = policy
    }
}

/// What `Store.startup` changed, for the daemon's log.
public struct StartupReport: Sendable, Equatable {
    public var added: [String] = []
    public var enabled: [String] = []
    public var disabled: [String] = []
    public var credentialsChanged: [String] = []
    /// Rows that were connecting or connected when the previous process died.
    public var interrupted: [String] = []
    /// Overdue rows spread over the stagger window.
    public var staggered: [String] = []
    public var clockAdjusted: [String] = []
    /// Queued rows whose schedule was kept as it was.
    public var resumed: [String] = []

    public init(added: [String] = []) { self.added = added }
}
