import GatewayCore
import GatewayRuntime
import GatewayNetworking

// MARK: - http:, alerts:, log:

extension ConfigParser {
    func http(from entry: Entry) throws(ConfigError) -> HTTPConfig {
        var config = HTTPConfig()
        var listenNode = entry.keyNode
        for field in try entries(of: entry.value, at: "http") {
            let path = join("http", field.key)
            switch field.key {
            case "listen":
                let text = try substituted(field.value, at: path, secret: false).value
                guard let (host, port) = HTTPConfig.listen(text) else {
                    throw .invalidValue(location(field.value, path), "must be host:port, e.g. 127.0.0.1:8787, found '\(text)'")
                }
                config.host = host
                config.port = port
                listenNode = field.value
            case "allow_unauthenticated":
                config.allowUnauthenticated = try bool(field.value, at: path)
            case "token":
                config.token = try secret(field.value, at: path)
            default:
                throw .unknownKey(
                    location(field.keyNode, path), context: "in http", known: ["listen", "token", "allow_unauthenticated"])
            }
        }
        if let problem = config.exposureProblem {
            throw .invalidValue(location(listenNode, join("http", "listen")), problem)
        }
        return config
    }

    func alerts(from entry: Entry) throws(ConfigError) -> AlertsConfig {
        var config = AlertsConfig()
        for field in try entries(of: entry.value, at: "alerts") {
            let path = join("alerts", field.key)
            switch field.key {
            case "webhook": config.webhook = try webhookURL(field.value, at: path)
            case "secret": config.secret = try secret(field.value, at: path)
            case "command": config.command = try optionalString(field.value, at: path)
            case "down_after": config.downAfterMillis = try positiveDuration(field.value, at: path)
            case "stall_after": config.stallAfterMillis = try positiveDuration(field.value, at: path)
            default:
                throw .unknownKey(location(field.keyNode, path), context: "in alerts",
                                  known: ["webhook", "secret", "command", "down_after", "stall_after"])
            }
        }
        if config.webhook == nil && config.command == nil {
            throw .missingKey(location(entry.keyNode, "alerts.webhook"), hint: "alerts needs a webhook, a command, or both")
        }
        return config
    }

    func log(from entry: Entry) throws(ConfigError) -> LogConfig {
        var config = LogConfig()
        for field in try entries(of: entry.value, at: "log") {
            let path = join("log", field.key)
            switch field.key {
            case "format": config.format = try choice(field.value, at: path)
            case "level":
                let level = try scalarText(field.value, at: path, expected: "a log level", secret: false)
                let known = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
                guard known.contains(level) else {
                    throw .invalidValue(location(field.value, path), "must be one of \(known.joined(separator: ", "))")
                }
                config.level = level
            default:
                throw .unknownKey(location(field.keyNode, path), context: "in log", known: ["format", "level"])
            }
        }
        return config
    }

    func inbox(from entry: Entry) throws(ConfigError) -> InboxConfig {
        var config = InboxConfig()
        for field in try entries(of: entry.value, at: "inbox") {
            let path = join("inbox", field.key)
            switch field.key {
            case "webhook": config.webhook = try webhookURL(field.value, at: path)
            case "secret": config.secret = try secret(field.value, at: path)
            case "retention": config.retentionMillis = try positiveDuration(field.value, at: path)
            default:
                throw .unknownKey(location(field.keyNode, path), context: "in inbox", known: ["webhook", "secret", "retention"])
            }
        }
        return config
    }

    func fleet(from entry: Entry) throws(ConfigError) -> FleetConfig {
        var config = FleetConfig()
        for field in try entries(of: entry.value, at: "fleet") {
            let path = join("fleet", field.key)
            switch field.key {
            case "lease":
                config.leaseMillis = try positiveDuration(field.value, at: path)
                guard config.leaseMillis >= 3_000 else {
                    throw .invalidValue(location(field.value, path), "must be at least 3s (renewed every third of it)")
                }
            case "max_platforms":
                let value = try int(field.value, at: path)
                guard value > 0 else { throw .invalidValue(location(field.value, path), "must be at least 1") }
                config.maximumPlatforms = value
            case "query_timeout":
                config.queryTimeoutMillis = try positiveDuration(field.value, at: path)
                guard config.queryTimeoutMillis >= 1_000 else {
                    throw .invalidValue(location(field.value, path), "must be at least 1s")
                }
            default:
                throw .unknownKey(
                    location(field.keyNode, path), context: "in fleet", known: ["lease", "max_platforms", "query_timeout"])
            }
        }
        return config
    }

    /// A non-empty secret, `${VAR}` substituted; never shown in an error.
    private func secret(_ node: YAMLNode, at path: String) throws(ConfigError) -> Secret {
        let text = try substituted(node, at: path, secret: true).value
        guard !text.isEmpty else { throw .invalidValue(location(node, path), "must not be empty") }
        return Secret(text)
    }

    /// An http(s) URL, `${VAR}` substituted (webhook URLs often carry a secret: keep it in the environment).
    private func webhookURL(_ node: YAMLNode, at path: String) throws(ConfigError) -> String {
        let url = try substituted(node, at: path, secret: false).value
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw .invalidValue(location(node, path), "must be an http:// or https:// URL")
        }
        return url
    }

    private func positiveDuration(_ node: YAMLNode, at path: String) throws(ConfigError) -> Int64 {
        let millis = try duration(node, at: path)
        guard millis > 0 else { throw .invalidValue(location(node, path), "must be greater than 0") }
        return millis
    }
}
