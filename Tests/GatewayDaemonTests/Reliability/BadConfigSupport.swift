import Foundation
import Testing

/// A configuration as an ordered tree, so one valid full file can be mutated one key at a time and written back out
/// as block-style YAML with one key per line.
indirect enum ConfigNode: Equatable, Sendable {
    /// How the loader reads a leaf: decides which wrong values are tried on it.
    enum Kind: Equatable, Sendable {
        /// Substituted text (`${VAR}` allowed): strings, secrets, URLs, host:port.
        case text
        /// A fixed set of words (`exit`/`stay`, a log level): not substituted.
        case word
        case int, number, bool, duration, list
    }

    case leaf(Kind, String)
    case map([(key: String, value: ConfigNode)])

    static func == (lhs: ConfigNode, rhs: ConfigNode) -> Bool {
        switch (lhs, rhs) {
        case let (.leaf(a, x), .leaf(b, y)): a == b && x == y
        case let (.map(a), .map(b)): a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    /// The YAML text, two spaces per level.
    func yaml(indent: Int = 0) -> String {
        guard case .map(let entries) = self else { return "" }
        var text = ""
        let pad = String(repeating: " ", count: indent)
        for (key, value) in entries {
            switch value {
            case .leaf(_, let raw): text += "\(pad)\(key): \(raw)\n"
            case .map: text += "\(pad)\(key):\n" + value.yaml(indent: indent + 2)
            }
        }
        return text
    }

    /// Every leaf with its dotted path, in file order.
    func leaves(_ prefix: String = "") -> [(path: String, kind: Kind)] {
        guard case .map(let entries) = self else { return [] }
        return entries.flatMap { key, value -> [(path: String, kind: Kind)] in
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            switch value {
            case .leaf(let kind, _): return [(path, kind)]
            case .map: return value.leaves(path)
            }
        }
    }

    /// Every mapping's dotted path ("" for the top level), in file order.
    func mappings(_ prefix: String = "") -> [String] {
        guard case .map(let entries) = self else { return [] }
        return [prefix] + entries.flatMap { key, value -> [String] in
            guard case .map = value else { return [] }
            return value.mappings(prefix.isEmpty ? key : "\(prefix).\(key)")
        }
    }

    /// The tree with the value at `path` replaced (nil: the key removed); a missing last key is added at the end of
    /// its mapping.
    func setting(_ path: String, to new: ConfigNode?) -> ConfigNode {
        setting(path.split(separator: ".").map(String.init)[...], to: new)
    }

    private func setting(_ keys: ArraySlice<String>, to new: ConfigNode?) -> ConfigNode {
        guard case .map(var entries) = self, let key = keys.first else { return new ?? self }
        let index = entries.firstIndex { $0.key == key }
        if keys.count == 1 {
            switch (index, new) {
            case let (index?, new?): entries[index].value = new
            case let (index?, nil): entries.remove(at: index)
            case let (nil, new?): entries.append((key, new))
            case (nil, nil): break
            }
        } else if let index {
            entries[index].value = entries[index].value.setting(keys.dropFirst(), to: new)
        }
        return .map(entries)
    }

    /// The 1-based line of the key at `path` in `yaml()`.
    func line(of path: String) -> Int? {
        var line = 0
        func walk(_ node: ConfigNode, _ prefix: String) -> Int? {
            guard case .map(let entries) = node else { return nil }
            for (key, value) in entries {
                line += 1
                let here = prefix.isEmpty ? key : "\(prefix).\(key)"
                if here == path { return line }
                if case .map = value, let found = walk(value, here) { return found }
            }
            return nil
        }
        return walk(self, "")
    }
}

/// One valid configuration using every section and every key of every platform type. Its secrets come from the
/// environment in `fullEnvironment`.
let fullConfig: ConfigNode = {
    func m(_ entries: [(String, ConfigNode)]) -> ConfigNode { .map(entries.map { (key: $0.0, value: $0.1) }) }
    func policy(_ base: String) -> ConfigNode {
        m([("base", .leaf(.duration, base)), ("factor", .leaf(.number, "2")), ("cap", .leaf(.duration, "300s")),
           ("max_attempts", .leaf(.int, "20")), ("jitter", .leaf(.number, "0.2")), ("connect_timeout", .leaf(.duration, "30s")),
           ("stable_period", .leaf(.duration, "10m")), ("on_exhausted", .leaf(.word, "slow")),
           ("slow_interval", .leaf(.duration, "30m"))])
    }
    return m([
        ("reconnect", policy("30s")),
        ("when_all_failed", .leaf(.word, "exit")),
        ("database", .leaf(.text, "${GATEWAYD_SWEEP_DIR}/gateway.db")),
        ("platforms", m([
            ("tg", m([
                ("type", .leaf(.word, "telegram")), ("token", .leaf(.text, "${SWEEP_TELEGRAM_TOKEN}")),
                ("api_base", .leaf(.text, "http://127.0.0.1:9")), ("poll_timeout", .leaf(.duration, "25s")),
                ("request_timeout", .leaf(.duration, "10s")), ("enabled", .leaf(.bool, "true")),
                ("reconnect", m([("base", .leaf(.duration, "10s")), ("cap", .leaf(.duration, "60s"))])),
            ])),
            ("dc", m([
                ("type", .leaf(.word, "discord")), ("token", .leaf(.text, "${SWEEP_DISCORD_TOKEN}")),
                ("api_base", .leaf(.text, "http://127.0.0.1:9/api")), ("gateway_url", .leaf(.text, "ws://127.0.0.1:9")),
                ("intents", .leaf(.int, "513")), ("enabled", .leaf(.bool, "true")),
            ])),
            ("chat", m([
                ("type", .leaf(.word, "irc")), ("server", .leaf(.text, "127.0.0.1")), ("port", .leaf(.int, "6667")),
                ("tls", .leaf(.bool, "false")), ("nick", .leaf(.text, "sweepbot")), ("alt_nicks", .leaf(.list, "[sweepbot_, sweepbot__]")),
                ("username", .leaf(.text, "sweep")), ("realname", .leaf(.text, "Sweep Bot")),
                ("password", .leaf(.text, "${SWEEP_IRC_PASSWORD}")), ("sasl_user", .leaf(.text, "sweep")),
                ("sasl_password", .leaf(.text, "${SWEEP_SASL_PASSWORD}")), ("channels", .leaf(.list, "[\"#one\", \"#two\"]")),
                ("tls_ca_file", .leaf(.text, "/etc/ssl/certs/ca-certificates.crt")), ("ping_interval", .leaf(.duration, "2m")),
                ("ping_timeout", .leaf(.duration, "1m")), ("register_timeout", .leaf(.duration, "20s")),
                ("enabled", .leaf(.bool, "false")),
            ])),
            ("lab", m([
                ("type", .leaf(.word, "simulated")), ("script", .leaf(.text, "\"fail network x2, then connect\"")),
                ("token", .leaf(.text, "${SWEEP_SIM_TOKEN}")), ("sent_log", .leaf(.text, "${GATEWAYD_SWEEP_DIR}/sent.log")),
                ("send_delay", .leaf(.duration, "10ms")), ("reconnect", policy("1s")),
            ])),
        ])),
        ("http", m([("listen", .leaf(.text, "127.0.0.1:0")), ("token", .leaf(.text, "${SWEEP_HTTP_TOKEN}"))])),
        ("alerts", m([
            ("webhook", .leaf(.text, "\"http://127.0.0.1:9/hook?key=${SWEEP_WEBHOOK_KEY}\"")), ("command", .leaf(.text, "/bin/true")),
            ("down_after", .leaf(.duration, "5m")), ("stall_after", .leaf(.duration, "1m")),
        ])),
        ("log", m([("format", .leaf(.word, "logfmt")), ("level", .leaf(.word, "info"))])),
        ("inbox", m([("webhook", .leaf(.text, "http://127.0.0.1:9/inbound")), ("retention", .leaf(.duration, "7d"))])),
    ])
}()

/// The secrets of `fullConfig`: none may appear in any error.
let fullEnvironment: [String: String] = [
    "SWEEP_TELEGRAM_TOKEN": "123456:SWEEP-telegram-secret",
    "SWEEP_DISCORD_TOKEN": "SWEEP.discord.secret",
    "SWEEP_IRC_PASSWORD": "sweep-irc-secret",
    "SWEEP_SASL_PASSWORD": "sweep-sasl-secret",
    "SWEEP_SIM_TOKEN": "sweep-sim-secret",
    "SWEEP_HTTP_TOKEN": "sweep-http-secret",
    "SWEEP_WEBHOOK_KEY": "sweep-webhook-secret",
    "GATEWAYD_SWEEP_DIR": "/tmp",
]

/// One mutation of `fullConfig` and the error it must produce.
struct ConfigMutation: Sendable, CustomTestStringConvertible {
    let name: String
    /// The path changed and its new YAML value (nil: the key removed).
    let changes: [(path: String, value: String?)]
    /// The key path the error must name.
    let keyPath: String
    /// Words the error must contain.
    let says: String
    var environment: [String: String] = fullEnvironment
    var testDescription: String { name }

    func config() -> ConfigNode {
        changes.reduce(fullConfig) { node, change in
            node.setting(change.path, to: change.value.map { .leaf(.text, $0) })
        }
    }
}