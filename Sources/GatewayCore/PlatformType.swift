/// The kinds of messaging platform the daemon has an adapter for (the `type:` of a platform entry).
public enum PlatformType: String, Sendable, Equatable, Hashable, CaseIterable {
    case telegram
    case discord
    case irc
    case simulated
}
