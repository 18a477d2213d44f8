/// One type-specific key a platform entry may have, and how its value is read.
///
/// Each ``PlatformKind`` lists its keys (``PlatformKind/keys``): the configuration parser accepts those and the
/// common ones and rejects any other, so an adapter that needs a new setting adds it to its own kind and nowhere
/// else.
public struct PlatformKey: Sendable, Equatable {
    /// How the value is read, and which ``ConfigValue`` case (or ``Secret``) it becomes.
    public enum Kind: Sendable, Equatable {
        /// Any scalar, as written; `${VAR}` is substituted. → `.string`
        case string
        /// A YAML integer. → `.int`
        case int
        /// A YAML number (integer or float). → `.double`
        case number
        /// A YAML boolean. → `.bool`
        case bool
        /// `250ms`, `30s`, `5m`, `2h`, `1.5s`; not negative. → `.duration(millis:)`
        case duration
        /// A sequence of scalars; `${VAR}` is substituted in each. → `.list`
        case stringList
        /// Like `.string`, but kept as a ``Secret`` in ``PlatformConfig/secrets`` and never shown in an error.
        case secret
    }

    public let kind: Kind
    /// A required key must be present and not empty; an optional key left empty counts as not set.
    public let isRequired: Bool

    public static func required(_ kind: Kind) -> PlatformKey { PlatformKey(kind: kind, isRequired: true) }
    public static func optional(_ kind: Kind) -> PlatformKey { PlatformKey(kind: kind, isRequired: false) }

    /// Keys every platform accepts, read by the parser itself: `type`, `enabled`, `reconnect`.
    public static let common: [String] = ["type", "enabled", "reconnect"]
}
