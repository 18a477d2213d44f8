/// The name of a kind of messaging platform: the `type:` of a platform entry.
///
/// Open, not a closed list: each platform target declares its own (`PlatformType.telegram` lives in GatewayTelegram),
/// and the daemon's list of kinds (`PlatformKinds.all`) decides which exist. A new platform adds a name without
/// touching this file.
public struct PlatformType: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    public static func < (lhs: PlatformType, rhs: PlatformType) -> Bool { lhs.rawValue < rhs.rawValue }
}
