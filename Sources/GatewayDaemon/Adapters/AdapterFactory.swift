import GatewayNetworking
import GatewayCore
import GatewayRuntime
import GatewayDiscord
import GatewayIRC
import GatewayMatrix
import GatewaySimulated
import GatewaySlack
import GatewayTelegram

/// Every platform kind gatewayd ships: the one list. A new platform is a new target plus one line here.
public enum PlatformKinds {
    public static let all: [PlatformKind] = [
        TelegramPlatform.kind, DiscordPlatform.kind, IRCPlatform.kind, MatrixPlatform.kind, SlackPlatform.kind,
        SimulatedKind.kind,
    ]

    public static func kind(_ type: PlatformType) -> PlatformKind? { all.first { $0.type == type } }

    /// "telegram, discord, irc, matrix, simulated": for errors that list what a `type:` may be.
    static func typeNames(_ kinds: [PlatformKind]) -> String { kinds.map(\.type.rawValue).joined(separator: ", ") }
}

/// The adapters gatewayd ships: one maker per kind, made once per factory (so a fresh factory starts simulated
/// scripts over).
public final class AdapterFactory: AdapterMaking {
    private let makers: [PlatformType: any AdapterMaking]

    public init(kinds: [PlatformKind] = PlatformKinds.all) {
        makers = Dictionary(kinds.map { ($0.type, $0.maker()) }, uniquingKeysWith: { first, _ in first })
    }

    public func makeAdapter(for platform: PlatformConfig, context: AdapterContext) async throws -> any PlatformAdapter {
        guard let maker = makers[platform.type] else {
            throw AdapterError(.auth, code: "config", message: "no adapter for platform type '\(platform.type.rawValue)'")
        }
        return try await maker.makeAdapter(for: platform, context: context)
    }

    /// The lasting state of a simulated platform (tests read what was sent to it).
    public func simulatedPlatform(_ platform: PlatformConfig) throws -> SimulatedPlatform {
        guard let simulated = makers[.simulated] as? SimulatedPlatforms else {
            throw AdapterError(.auth, code: "config", message: "no simulated platforms in this factory")
        }
        return try simulated.simulatedPlatform(platform)
    }
}
