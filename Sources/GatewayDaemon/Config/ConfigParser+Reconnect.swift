import GatewayCore
import GatewayRuntime
import GatewayNetworking
import GatewayStore

// MARK: - reconnect:

extension ConfigParser {
    /// The keys of a `reconnect:` mapping, at the top level and in a platform.
    static let reconnectKeys = [
        "base", "factor", "cap", "max_attempts", "jitter", "connect_timeout", "stable_period", "on_exhausted",
        "slow_interval", "probe",
    ]

    /// `base` with the keys of the `reconnect:` mapping in `entry` applied over it, validated with
    /// `BackoffPolicy.problems` (the first problem is thrown, at the key it names).
    func policy(from entry: Entry, over base: BackoffPolicy, at path: String) throws(ConfigError) -> BackoffPolicy {
        var policy = base
        var keyNodes: [String: YAMLNode] = [:]
        for field in try entries(of: entry.value, at: path, expected: "a mapping of reconnect settings") {
            let fieldPath = join(path, field.key)
            let value = field.value
            switch field.key {
            case "base": policy.baseMillis = try duration(value, at: fieldPath)
            case "factor": policy.factor = try number(value, at: fieldPath)
            case "cap": policy.capMillis = try duration(value, at: fieldPath)
            case "max_attempts": policy.maxAttempts = try int(value, at: fieldPath)
            case "jitter": policy.jitter = try number(value, at: fieldPath)
            case "connect_timeout": policy.connectTimeoutMillis = try duration(value, at: fieldPath)
            case "stable_period": policy.stablePeriodMillis = try duration(value, at: fieldPath)
            case "on_exhausted": policy.onExhausted = try choice(value, at: fieldPath)
            case "slow_interval": policy.slowIntervalMillis = try duration(value, at: fieldPath)
            case "probe":
                policy.probeIntervalMillis = ["off", "false"].contains(value.scalar?.string.lowercased() ?? "") ? nil : try duration(value, at: fieldPath)
            default:
                throw .unknownKey(location(field.keyNode, fieldPath), context: "in reconnect", known: Self.reconnectKeys)
            }
            keyNodes[field.key] = field.keyNode
        }
        guard let problem = policy.problems.first else { return policy }
        // Each problem starts with the field it is about ("cap must not be less than base").
        let field = String(problem.prefix { $0 != " " })
        guard Self.reconnectKeys.contains(field) else {
            throw .invalidPolicy(location(entry.keyNode, path), problem: problem)
        }
        var message = String(problem.dropFirst(field.count + 1))
        if keyNodes[field] == nil && path != "reconnect" {
            message += " (\(field) is inherited from the top-level reconnect or the default)"
        }
        throw .invalidPolicy(location(keyNodes[field] ?? entry.keyNode, join(path, field)), problem: message)
    }
}
