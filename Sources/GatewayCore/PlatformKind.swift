/// One kind of platform, described once, in its own target: its type name, the keys an entry of it may have, the
/// targets it can ever accept, the adapter's own check of an entry's settings, and how to make its adapters.
/// The daemon keeps the list of kinds (`PlatformKinds.all`): a new platform is a new target plus one line there.
///
/// The target rule is the adapter's own: `send` refuses such a target as a per-message failure, and the router
/// refuses it when the message is queued (`gatewayd send` exit 1, `POST /v1/messages` 400, naming the rule), so a
/// message that can never be delivered is never queued behind — or in front of — the ones that can.
public struct PlatformKind: Sendable {
    public let type: PlatformType
    /// The type-specific keys an entry of this kind accepts (beyond ``PlatformKey/common``), by name.
    public let keys: [String: PlatformKey]
    /// Why `target` can never be delivered on this kind of platform — the rule, in words — or nil.
    public let targetProblem: @Sendable (String) -> String?
    /// Why `replyTo` can never name a message of this kind of platform (checked at enqueue like the target), or nil.
    public let replyToProblem: @Sendable (String) -> String?
    /// The adapter's check of an entry's settings (a port of 70000, a nick with a space), run while the
    /// configuration loads; throws the `AdapterError` the adapter would, naming the key.
    public let checkSettings: @Sendable (PlatformConfig) throws(AdapterError) -> Void
    /// Makes this kind's adapter maker, once per daemon (the simulated kind keeps its scripts' positions in it).
    public let maker: @Sendable () -> any AdapterMaking
    /// Where an entry's adapter connects (probed while it waits after a network failure; its login budget's key),
    /// or nil when it connects nowhere (the simulated kind).
    public let endpoint: @Sendable (PlatformConfig) -> Endpoint?
    /// How many logins may start on one endpoint of this kind, from the platform's documented limits.
    public let loginBudget: LoginBudget

    public init(
        type: PlatformType,
        keys: [String: PlatformKey],
        targetProblem: @escaping @Sendable (String) -> String?,
        replyToProblem: @escaping @Sendable (String) -> String? = { _ in nil },
        checkSettings: @escaping @Sendable (PlatformConfig) throws(AdapterError) -> Void,
        maker: @escaping @Sendable () -> any AdapterMaking,
        endpoint: @escaping @Sendable (PlatformConfig) -> Endpoint? = { _ in nil },
        loginBudget: LoginBudget = LoginBudget(logins: 20, windowMillis: 1_000)
    ) {
        self.type = type
        self.keys = keys
        self.targetProblem = targetProblem
        self.replyToProblem = replyToProblem
        self.checkSettings = checkSettings
        self.maker = maker
        self.endpoint = endpoint
        self.loginBudget = loginBudget
    }
}

/// An adapter maker from a function: for kinds whose adapters keep nothing across attempts.
public struct AdapterMaker: AdapterMaking {
    let make: @Sendable (PlatformConfig, AdapterContext) async throws -> any PlatformAdapter

    public init(_ make: @escaping @Sendable (PlatformConfig, AdapterContext) async throws -> any PlatformAdapter) {
        self.make = make
    }

    public func makeAdapter(for platform: PlatformConfig, context: AdapterContext) async throws -> any PlatformAdapter {
        try await make(platform, context)
    }
}
