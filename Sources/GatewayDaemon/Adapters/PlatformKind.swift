/// One kind of platform, described once: its type and what it can ever accept as a message target.
///
/// The rule is the adapter's own: `send` refuses such a target as a per-message failure, and the router refuses it
/// when the message is queued (`gatewayd send` exit 1, `POST /v1/messages` 400, naming the rule), so a message that
/// can never be delivered is never queued behind — or in front of — the ones that can.
public struct PlatformKind: Sendable {
    public let type: PlatformType
    /// Why `target` can never be delivered on this kind of platform — the rule, in words — or nil.
    public let targetProblem: @Sendable (String) -> String?

    public init(type: PlatformType, targetProblem: @escaping @Sendable (String) -> String?) {
        self.type = type
        self.targetProblem = targetProblem
    }

    /// Every kind gatewayd ships.
    public static let all: [PlatformKind] = [.telegram, .discord, .irc, .simulated]

    /// The kind whose type name (a `platforms.type` value) is `type`.
    public static func named(_ type: String) -> PlatformKind? { all.first { $0.type.rawValue == type } }

    /// Simulated platforms take any target (`@blocked` and `@slow` answer like a blocked chat and a rate limit).
    static let simulated = PlatformKind(type: .simulated) { _ in nil }
}
