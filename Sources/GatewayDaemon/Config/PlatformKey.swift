import GatewayCore
import GatewayRuntime
import GatewayNetworking
/// One type-specific key a platform entry may have, and how its value is read.
///
/// ``table`` is the single list of what each ``PlatformType`` accepts: the parser rejects any other key, so an adapter
/// that needs a new setting adds it here (and nowhere else in the loader).
struct PlatformKey: Sendable, Equatable {
    /// How the value is read, and which ``ConfigValue`` case (or ``Secret``) it becomes.
    enum Kind: Sendable, Equatable {
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

    let kind: Kind
    /// A required key must be present and not empty; an optional key left empty counts as not set.
    let isRequired: Bool

    static func required(_ kind: Kind) -> PlatformKey { PlatformKey(kind: kind, isRequired: true) }
    static func optional(_ kind: Kind) -> PlatformKey { PlatformKey(kind: kind, isRequired: false) }

    /// Keys every platform accepts, read by the parser itself: `type`, `enabled`, `reconnect`.
    static let common: [String] = ["type", "enabled", "reconnect"]

    /// The type-specific keys of each platform type.
    static let table: [PlatformType: [String: PlatformKey]] = [
        .telegram: [
            "token": .required(.secret),
            "api_base": .optional(.string),
            "poll_timeout": .optional(.duration),
            "request_timeout": .optional(.duration),
        ],
        .discord: [
            "token": .required(.secret),
            "api_base": .optional(.string),
            "gateway_url": .optional(.string),
            "intents": .optional(.int),
        ],
        .irc: [
            "server": .required(.string),
            "port": .optional(.int),
            "tls": .optional(.bool),
            "nick": .required(.string),
            "alt_nicks": .optional(.stringList),
            "username": .optional(.string),
            "realname": .optional(.string),
            "password": .optional(.secret),
            "sasl_user": .optional(.string),
            "sasl_password": .optional(.secret),
            "channels": .optional(.stringList),
            "tls_ca_file": .optional(.string),
            "ping_interval": .optional(.duration),
            "ping_timeout": .optional(.duration),
            "register_timeout": .optional(.duration),
        ],
        .simulated: [
            "script": .required(.string),
            "token": .optional(.secret),
            "sent_log": .optional(.string),
            "send_delay": .optional(.duration),
        ],
    ]
}

extension PlatformType {
    /// The type-specific keys this type accepts (see ``PlatformKey/table``).
    var keys: [String: PlatformKey] { PlatformKey.table[self] ?? [:] }
}
