/// A type-specific platform setting (`port: 6697`, `channels: ["#a"]`), as read from the file.
///
/// Which keys exist and which case each one produces is decided by its kind's ``PlatformKind/keys``; secrets are
/// never a `ConfigValue` (they are ``Secret``s in ``PlatformConfig/secrets``).
public enum ConfigValue: Sendable, Hashable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    /// A duration written with a unit (`250ms`, `30s`, `5m`, `2h`), in milliseconds.
    case duration(millis: Int64)
    case list([String])

    /// The string, when this is a `.string`.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, when this is an `.int`.
    public var intValue: Int? {
        if case .int(let value) = self { return value }
        return nil
    }

    /// The number, when this is a `.double` or an `.int`.
    public var doubleValue: Double? {
        switch self {
        case .double(let value): return value
        case .int(let value): return Double(value)
        default: return nil
        }
    }

    /// The flag, when this is a `.bool`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The milliseconds, when this is a `.duration`.
    public var durationMillis: Int64? {
        if case .duration(let millis) = self { return millis }
        return nil
    }

    /// The strings, when this is a `.list`.
    public var listValue: [String]? {
        if case .list(let values) = self { return values }
        return nil
    }
}
