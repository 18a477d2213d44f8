import Synchronization

/// One entry under `platforms:`: a named connection to one messaging platform.
///
/// ```yaml
/// chat: { type: irc, server: irc.libera.chat, port: 6697, nick: mybot, password: ${IRC_PASS}, enabled: false }
/// ```
///
/// Type-specific settings are in ``options`` and credentials in ``secrets``; which key goes where is decided by
/// its kind's ``PlatformKind/keys``.
public struct PlatformConfig: Sendable, Equatable {
    /// The key under `platforms:`, `[A-Za-z0-9_.-]{1,64}`.
    public var name: String
    public var type: PlatformType
    /// `enabled: false` keeps the entry without connecting it. Default true.
    public var enabled: Bool
    /// The global reconnect policy with this platform's `reconnect:` keys applied over it.
    public var policy: BackoffPolicy {
        get { sharedPolicy.value }
        set { sharedPolicy = SharedPolicy.of(newValue) }
    }
    /// One boxed copy per distinct policy: most platforms share the global one, and a policy inline was 90 of the
    /// 144 bytes of each of 100,000 configurations.
    private var sharedPolicy: SharedPolicy
    /// Type-specific, non-secret settings by key (`port`, `channels`, …); optional keys not written are absent.
    public var options: [String: ConfigValue]
    /// Credentials by key (`token`, `password`, …); optional secrets not written (or empty) are absent.
    public var secrets: [String: Secret]

    public init(
        name: String,
        type: PlatformType,
        enabled: Bool = true,
        policy: BackoffPolicy = BackoffPolicy(),
        options: [String: ConfigValue] = [:],
        secrets: [String: Secret] = [:]
    ) {
        self.name = name
        self.type = type
        self.enabled = enabled
        self.sharedPolicy = SharedPolicy.of(policy)
        self.options = options
        self.secrets = secrets
    }

    /// A short, stable identifier of this platform's credentials, or nil when it has none.
    ///
    /// The first 16 hex digits of SHA-256 over the type and each secret `key=value` sorted by key, every field
    /// length-prefixed so no two different credential sets encode alike. Changing a secret changes the fingerprint;
    /// the fingerprint reveals nothing usable about the secret, so it may be stored and logged (e.g. to notice that
    /// credentials changed since a platform gave up).
    public var credentialFingerprint: String? {
        guard !secrets.isEmpty else { return nil }
        var encoding: [UInt8] = []
        func field(_ text: String) {
            let bytes = Array(text.utf8)
            let length = UInt64(bytes.count)
            encoding.append(contentsOf: (0..<8).reversed().map { UInt8(truncatingIfNeeded: length >> ($0 * 8)) })
            encoding.append(contentsOf: bytes)
        }
        field("gatewayd-credentials-v1")
        field(type.rawValue)
        for (key, secret) in secrets.sorted(by: { $0.key < $1.key }) {
            field(key)
            field(secret.revealed)
        }
        return String(Hashing.sha256Hex(encoding).prefix(16))
    }
}

/// An immutable box holding one policy, shared by every configuration with that policy; equal by its policy.
private final class SharedPolicy: Sendable, Equatable {
    static func == (lhs: SharedPolicy, rhs: SharedPolicy) -> Bool { lhs.value == rhs.value }

    let value: BackoffPolicy

    private init(_ value: BackoffPolicy) { self.value = value }

    /// The box of the first distinct policies seen (a handful in any configuration; bounded so a program that makes
    /// policies by the thousand — a fuzzer — does not keep them all).
    private static let known = Mutex<[BackoffPolicy: SharedPolicy]>([:])

    static func of(_ policy: BackoffPolicy) -> SharedPolicy {
        known.withLock { known in
            if let box = known[policy] { return box }
            let box = SharedPolicy(policy)
            if known.count < 64 { known[policy] = box }
            return box
        }
    }
}
