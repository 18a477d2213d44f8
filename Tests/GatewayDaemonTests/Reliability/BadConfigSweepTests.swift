import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime

/// One valid configuration using every section and key, broken one key at a time: each break is one line naming the
/// file, line and key path, and no secret. ConfigTests holds the hand-picked cases; this sweeps every key.
@Suite("Bad configuration: every key broken in turn")
struct BadConfigSweepTests {
    static let unset = "SWEEP_UNSET_VARIABLE"

    /// Generated from the tree: for every leaf a wrong type, for text leaves a missing variable, for durations a
    /// negative one; for every mapping an unknown key.
    static let generated: [ConfigMutation] = {
        var mutations: [ConfigMutation] = []
        for (path, kind) in fullConfig.leaves() {
            let wrong: String
            switch kind {
            case .text, .word: wrong = "[a, b]"
            case .int, .number: wrong = "abc"
            case .bool: wrong = "maybe"
            case .duration: wrong = "[1s]"
            case .list: wrong = "5"
            }
            mutations.append(ConfigMutation(name: "\(path): wrong type", changes: [(path, wrong)], keyPath: path, says: "must be"))
            if kind == .text {
                mutations.append(ConfigMutation(
                    name: "\(path): missing variable", changes: [(path, "${\(unset)}")], keyPath: path,
                    says: "environment variable \(unset) is not set"))
            }
            if kind == .duration {
                mutations.append(ConfigMutation(name: "\(path): negative", changes: [(path, "-5s")], keyPath: path, says: "must not be negative"))
                mutations.append(ConfigMutation(name: "\(path): no unit", changes: [(path, "30")], keyPath: path, says: "has no unit"))
            }
        }
        for mapping in fullConfig.mappings() {
            let path = mapping.isEmpty ? "bogus_key" : "\(mapping).bogus_key"
            // Under platforms: a new key is a new platform, and `1` is not a platform's settings.
            let says = mapping == "platforms" ? "must be a mapping with type:" : "unknown key"
            mutations.append(ConfigMutation(name: "\(path): unknown key", changes: [(path, "1")], keyPath: path, says: says))
        }
        return mutations
    }()

    /// Values of the right type that cannot work, section by section and per platform type.
    static let semantic: [ConfigMutation] = [
        .init(name: "reconnect: cap < base", changes: [("reconnect.cap", "5s")], keyPath: "reconnect.cap", says: "must not be less than base"),
        .init(name: "reconnect: factor < 1", changes: [("reconnect.factor", "0.5")], keyPath: "reconnect.factor", says: "must be at least 1"),
        .init(name: "reconnect: max_attempts 0", changes: [("reconnect.max_attempts", "0")], keyPath: "reconnect.max_attempts", says: "must be at least 1"),
        .init(name: "reconnect: jitter 1.5", changes: [("reconnect.jitter", "1.5")], keyPath: "reconnect.jitter", says: "must be in [0, 1)"),
        .init(name: "reconnect: connect_timeout 0s", changes: [("reconnect.connect_timeout", "0s")], keyPath: "reconnect.connect_timeout", says: "greater than 0"),
        .init(name: "reconnect: on_exhausted never", changes: [("reconnect.on_exhausted", "never")], keyPath: "reconnect.on_exhausted", says: "must be slow or give_up"),
        .init(name: "a platform's reconnect: cap < base", changes: [("platforms.tg.reconnect.cap", "5s")], keyPath: "platforms.tg.reconnect.cap", says: "must not be less than base"),
        .init(name: "a platform's reconnect: base above the inherited cap", changes: [("platforms.tg.reconnect.cap", nil), ("platforms.tg.reconnect.base", "10m")],
              keyPath: "platforms.tg.reconnect.cap", says: "cap is inherited"),
        .init(name: "when_all_failed: maybe", changes: [("when_all_failed", "maybe")], keyPath: "when_all_failed", says: "must be exit or stay"),
        .init(name: "unknown platform type", changes: [("platforms.dc.type", "mattermost")], keyPath: "platforms.dc.type", says: "unknown platform type 'mattermost'"),
        .init(name: "missing type", changes: [("platforms.dc.type", nil)], keyPath: "platforms.dc.type", says: "missing required key"),
        .init(name: "telegram: missing token", changes: [("platforms.tg.token", nil)], keyPath: "platforms.tg.token", says: "missing required key"),
        .init(name: "telegram: empty token variable", changes: [], keyPath: "platforms.tg.token", says: "is set but empty",
              environment: fullEnvironment.merging(["SWEEP_TELEGRAM_TOKEN": ""]) { _, new in new }),
        .init(name: "telegram: api_base not http", changes: [("platforms.tg.api_base", "ftp://x")], keyPath: "platforms.tg.api_base", says: "must be an http:// or https:// URL"),
        .init(name: "telegram: poll_timeout 99s", changes: [("platforms.tg.poll_timeout", "99s")], keyPath: "platforms.tg.poll_timeout", says: "between 1s and 50s"),
        .init(name: "telegram: request_timeout 50ms", changes: [("platforms.tg.request_timeout", "50ms")], keyPath: "platforms.tg.request_timeout", says: "between 100ms and 5m"),
        .init(name: "discord: missing token", changes: [("platforms.dc.token", nil)], keyPath: "platforms.dc.token", says: "missing required key"),
        .init(name: "discord: token with a space", changes: [], keyPath: "platforms.dc.token", says: "the token contains whitespace",
              environment: fullEnvironment.merging(["SWEEP_DISCORD_TOKEN": "SWEEP discord secret"]) { _, new in new }),
        .init(name: "discord: api_base not http", changes: [("platforms.dc.api_base", "ws://x")], keyPath: "platforms.dc.api_base", says: "must be an http(s) URL"),
        .init(name: "discord: gateway_url not ws", changes: [("platforms.dc.gateway_url", "http://x")], keyPath: "platforms.dc.gateway_url", says: "must be a ws(s) URL"),
        .init(name: "discord: negative intents", changes: [("platforms.dc.intents", "-1")], keyPath: "platforms.dc.intents", says: "must not be negative"),
        .init(name: "irc: missing server", changes: [("platforms.chat.server", nil)], keyPath: "platforms.chat.server", says: "missing required key"),
        .init(name: "irc: server with a space", changes: [("platforms.chat.server", "\"irc example\"")], keyPath: "platforms.chat.server", says: "host name"),
        .init(name: "irc: port 70000", changes: [("platforms.chat.port", "70000")], keyPath: "platforms.chat.port", says: "between 1 and 65535"),
        .init(name: "irc: nick starting with a digit", changes: [("platforms.chat.nick", "1bot")], keyPath: "platforms.chat.nick", says: "nick must be"),
        .init(name: "irc: an alternate nick with a space", changes: [("platforms.chat.alt_nicks", "[\"a b\"]")], keyPath: "platforms.chat.alt_nicks", says: "not valid"),
        .init(name: "irc: username with @", changes: [("platforms.chat.username", "a@b")], keyPath: "platforms.chat.username", says: "username must not"),
        .init(name: "irc: sasl_user without sasl_password", changes: [("platforms.chat.sasl_password", nil)], keyPath: "platforms.chat.sasl_user", says: "sasl_password is not"),
        .init(name: "irc: a channel without #", changes: [("platforms.chat.channels", "[nochan]")], keyPath: "platforms.chat.channels", says: "must start with #"),
        .init(name: "irc: an empty channel", changes: [("platforms.chat.channels", "[\"#a\", \"\"]")], keyPath: "platforms.chat.channels[1]", says: "must not be empty"),
        .init(name: "irc: ping_interval 10ms", changes: [("platforms.chat.ping_interval", "10ms")], keyPath: "platforms.chat.ping_interval", says: "at least 1s"),
        .init(name: "irc: ping_timeout 10ms", changes: [("platforms.chat.ping_timeout", "10ms")], keyPath: "platforms.chat.ping_interval", says: "at least 1s"),
        .init(name: "irc: register_timeout 10ms", changes: [("platforms.chat.register_timeout", "10ms")], keyPath: "platforms.chat.register_timeout", says: "at least 1s"),
        .init(name: "irc: quoted port", changes: [("platforms.chat.port", "\"6667\"")], keyPath: "platforms.chat.port", says: "must be an integer"),
        .init(name: "simulated: a script that does not parse", changes: [("platforms.lab.script", "\"fail sideways\"")], keyPath: "platforms.lab.script", says: "sideways"),
        .init(name: "simulated: missing script", changes: [("platforms.lab.script", nil)], keyPath: "platforms.lab.script", says: "missing required key"),
        .init(name: "http: listen not host:port", changes: [("http.listen", "nowhere")], keyPath: "http.listen", says: "must be host:port"),
        .init(name: "http: port 70000", changes: [("http.listen", "127.0.0.1:70000")], keyPath: "http.listen", says: "must be host:port"),
        .init(name: "http: empty token", changes: [("http.token", "\"\"")], keyPath: "http.token", says: "must not be empty"),
        .init(name: "alerts: webhook not http", changes: [("alerts.webhook", "ftp://x")], keyPath: "alerts.webhook", says: "http:// or https://"),
        .init(name: "alerts: neither webhook nor command", changes: [("alerts.webhook", nil), ("alerts.command", nil)], keyPath: "alerts.webhook", says: "needs a webhook, a command, or both"),
        .init(name: "alerts: down_after 0s", changes: [("alerts.down_after", "0s")], keyPath: "alerts.down_after", says: "greater than 0"),
        .init(name: "alerts: stall_after 0s", changes: [("alerts.stall_after", "0s")], keyPath: "alerts.stall_after", says: "greater than 0"),
        .init(name: "log: level loud", changes: [("log.level", "loud")], keyPath: "log.level", says: "must be one of trace"),
        .init(name: "log: format xml", changes: [("log.format", "xml")], keyPath: "log.format", says: "must be"),
        .init(name: "inbox: webhook not http", changes: [("inbox.webhook", "mailto:x")], keyPath: "inbox.webhook", says: "http:// or https://"),
        .init(name: "inbox: retention 0s", changes: [("inbox.retention", "0s")], keyPath: "inbox.retention", says: "greater than 0"),
        .init(name: "no platforms", changes: [("platforms", nil)], keyPath: "platforms", says: "no platforms configured"),
    ]

    static func error(_ yaml: String, environment: [String: String]) -> ConfigError? {
        do { _ = try GatewayConfig.parse(yaml: yaml, source: "full.yaml", environment: environment) } catch { return error }
        return nil
    }

    static let secrets = fullEnvironment.filter { $0.key != "GATEWAYD_SWEEP_DIR" }.values

    @Test("the unbroken full configuration loads: every section and every key of every platform type")
    func fullConfigLoads() throws {
        let config = try GatewayConfig.parse(yaml: fullConfig.yaml(), source: "full.yaml", environment: fullEnvironment)
        #expect(config.platforms.map(\.name) == ["tg", "dc", "chat", "lab"])
        #expect(config.http?.token != nil && config.alerts?.webhook?.contains("sweep-webhook-secret") == true)
        #expect(config.platforms[2].options.count + config.platforms[2].secrets.count == 15, "every irc key is set")
        #expect(Self.generated.count >= 140, "the sweep covers every key (\(Self.generated.count) generated)")
    }

    @Test("each generated break: one line, the file, the line and the key path; no secret", arguments: generated)
    func generatedBreak(_ mutation: ConfigMutation) throws {
        let node = mutation.config()
        let error = try #require(Self.error(node.yaml(), environment: mutation.environment), "\(mutation.name) must not load")
        let line = try #require(node.line(of: mutation.keyPath))
        #expect(error.description.hasPrefix("full.yaml:\(line): \(mutation.keyPath): "), "\(error)")
        #expect(error.description.contains(mutation.says), "\(error)")
        #expect(!error.description.contains("\n"))
        for secret in Self.secrets { #expect(!error.description.contains(secret), "\(error)") }
    }

    @Test("each semantic break: one line naming the file and key path; no secret", arguments: semantic)
    func semanticBreak(_ mutation: ConfigMutation) throws {
        let error = try #require(Self.error(mutation.config().yaml(), environment: mutation.environment), "\(mutation.name) must not load")
        #expect(error.description.hasPrefix("full.yaml:"), "\(error)")
        #expect(error.keyPath == mutation.keyPath, "\(error)")
        #expect(error.line != nil || mutation.keyPath == "platforms", "\(error)")
        #expect(error.description.contains(mutation.says), "\(error)")
        #expect(!error.description.contains("\n"))
        for secret in Self.secrets { #expect(!error.description.contains(secret), "\(error)") }
    }

    /// The mappings that hold a leaf of their own (`platforms` holds only platforms: see duplicatePlatformName).
    static let mappingsWithLeaves = fullConfig.mappings().filter { mapping in
        fullConfig.leaves().contains { $0.path.split(separator: ".").dropLast().joined(separator: ".") == mapping }
    }

    @Test("a key written twice, in every mapping: a duplicate-key error at the second one", arguments: mappingsWithLeaves)
    func duplicateKeys(_ mapping: String) throws {
        // The first leaf of the mapping, written again right after itself.
        let leaf = try #require(fullConfig.leaves().first { leaf in
            let parent = leaf.path.split(separator: ".").dropLast().joined(separator: ".")
            return parent == mapping
        }, "\(mapping) has a leaf")
        let lineNumber = try #require(fullConfig.line(of: leaf.path))
        var lines = fullConfig.yaml().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.insert(lines[lineNumber - 1], at: lineNumber)
        let error = try #require(Self.error(lines.joined(separator: "\n"), environment: fullEnvironment))
        #expect(error.code == .duplicateKey || error.code == .invalidYAML, "\(error)")
        #expect(error.description.hasPrefix("full.yaml:\(lineNumber + 1): "), "\(error)")
        for secret in Self.secrets { #expect(!error.description.contains(secret), "\(error)") }
    }

    @Test("two platforms with the same name: a duplicate-key error naming platforms.<name>")
    func duplicatePlatformName() throws {
        let yaml = fullConfig.yaml().replacingOccurrences(of: "\n  dc:\n", with: "\n  tg:\n")
        let error = try #require(Self.error(yaml, environment: fullEnvironment))
        #expect(error.code == .duplicateKey && error.keyPath == "platforms.tg", "\(error)")
        #expect(error.description.contains("duplicate key 'tg' (first defined on line"), "\(error)")
    }
}
