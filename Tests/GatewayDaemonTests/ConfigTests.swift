import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayIRC
@testable import GatewayDaemon
@testable import GatewayRuntime

@Suite("Configuration loading")
struct ConfigTests {
    static let example = """
        reconnect: { base: 30s, factor: 2, cap: 300s, max_attempts: 20, jitter: 0.2, connect_timeout: 30s, stable_period: 10m, on_exhausted: slow, slow_interval: 30m }
        when_all_failed: exit        # exit (default) | stay
        database: /var/lib/gatewayd/gateway.db   # optional
        platforms:
          telegram: { type: telegram, token: ${TELEGRAM_BOT_TOKEN} }
          lab:      { type: simulated, script: "fail network x3, then connect", reconnect: { base: 1s } }
          chat:     { type: irc, server: irc.libera.chat, port: 6697, tls: true, nick: mybot, password: ${IRC_PASS}, channels: ["#a", "#b"], enabled: false }

        """
    static let environment = ["TELEGRAM_BOT_TOKEN": "123:telegram-secret", "IRC_PASS": "irc-secret"]

    private func parse(_ yaml: String, _ environment: [String: String] = [:]) throws -> GatewayConfig {
        try GatewayConfig.parse(yaml: yaml, source: "test.yaml", environment: environment)
    }

    @Test("the example file: global policy, when_all_failed, database, platforms in file order")
    func example() throws {
        let config = try parse(Self.example, Self.environment)
        #expect(config.reconnect == BackoffPolicy(
            baseMillis: 30_000, factor: 2, capMillis: 300_000, maxAttempts: 20, jitter: 0.2,
            connectTimeoutMillis: 30_000, stablePeriodMillis: 600_000, onExhausted: .slow, slowIntervalMillis: 1_800_000))
        #expect(config.whenAllFailed == .exit)
        #expect(config.database == "/var/lib/gatewayd/gateway.db")
        #expect(config.platforms.map(\.name) == ["telegram", "lab", "chat"])

        let telegram = try #require(config.platform(named: "telegram"))
        #expect(telegram.type == .telegram && telegram.enabled && telegram.options.isEmpty)
        #expect(telegram.secrets["token"]?.revealed == "123:telegram-secret")
        #expect(telegram.policy == config.reconnect)

        let lab = try #require(config.platform(named: "lab"))
        #expect(lab.options["script"]?.stringValue == "fail network x3, then connect")
        #expect(lab.secrets.isEmpty && lab.credentialFingerprint == nil)

        let chat = try #require(config.platform(named: "chat"))
        #expect(chat.type == .irc && !chat.enabled)
        #expect(chat.options == [
            "server": .string("irc.libera.chat"), "port": .int(6697), "tls": .bool(true), "nick": .string("mybot"),
            "channels": .list(["#a", "#b"]),
        ])
        #expect(chat.secrets == ["password": Secret("irc-secret")])
    }

    @Test("defaults: BackoffPolicy(), exit, no database, enabled")
    func defaults() throws {
        let config = try parse("platforms:\n  lab: { type: simulated, script: connect }\n")
        #expect(config.reconnect == BackoffPolicy())
        #expect(config.whenAllFailed == .exit)
        #expect(config.database == nil)
        #expect(config.platforms == [PlatformConfig(name: "lab", type: .simulated, options: ["script": .string("connect")])])
        #expect(try parse("when_all_failed: stay\nplatforms: { lab: { type: simulated, script: connect } }").whenAllFailed == .stay)
    }

    @Test("fleet: the lease sets the renewal (a third) and the safety margin (a fifth); max_platforms caps the share; query_timeout")
    func fleet() throws {
        let defaults = try parse("platforms:\n  lab: { type: simulated, script: connect }\n").fleet
        #expect(defaults.keeperSettings == LeaseKeeper.Settings())
        #expect(defaults.queryTimeoutMillis == 30_000)
        let fleet = try parse("fleet: { lease: 9s, max_platforms: 4, query_timeout: 5s }\nplatforms:\n  lab: { type: simulated, script: connect }\n")
            .fleet
        #expect(fleet.keeperSettings == LeaseKeeper.Settings(leaseMillis: 9_000, renewEveryMillis: 3_000, safetyMillis: 1_800, maximumShare: 4))
        #expect(fleet.queryTimeoutMillis == 5_000)
    }

    @Test("a platform's reconnect overrides the global policy key by key")
    func overrides() throws {
        let config = try parse("""
            reconnect: { base: 10s, cap: 100s, jitter: 0.1, max_attempts: 5 }
            platforms:
              a: { type: simulated, script: connect, reconnect: { cap: 50s, on_exhausted: give_up, factor: 1.5 } }
              b: { type: simulated, script: connect }
            """)
        let global = BackoffPolicy(baseMillis: 10_000, capMillis: 100_000, maxAttempts: 5, jitter: 0.1)
        #expect(config.reconnect == global)
        var expected = global
        expected.capMillis = 50_000
        expected.onExhausted = .giveUp
        expected.factor = 1.5
        #expect(config.platforms[0].policy == expected)
        #expect(config.platforms[1].policy == global)
    }

    @Test("durations and types of the type-specific keys")
    func values() throws {
        let config = try parse("""
            reconnect: { base: 250ms, cap: 2h, stable_period: 0s, connect_timeout: 1.5s, slow_interval: 5m }
            platforms:
              t: { type: telegram, token: x, poll_timeout: 25s, api_base: "http://localhost:8081" }
              d: { type: discord, token: y, intents: 513 }
              i: { type: irc, server: s, nick: n, alt_nicks: [n_, n__], sasl_password: "", channels: [] }
            """)
        #expect([config.reconnect.baseMillis, config.reconnect.capMillis, config.reconnect.stablePeriodMillis,
                 config.reconnect.connectTimeoutMillis, config.reconnect.slowIntervalMillis]
            == [250, 7_200_000, 0, 1_500, 300_000])
        #expect(config.platforms[0].options["poll_timeout"] == .duration(millis: 25_000))
        #expect(config.platforms[1].options["intents"]?.intValue == 513)
        #expect(config.platforms[2].options["alt_nicks"]?.listValue == ["n_", "n__"])
        #expect(config.platforms[2].options["channels"] == .list([]))
        #expect(config.platforms[2].secrets.isEmpty, "an empty optional secret counts as not set")
    }

    @Test("duration literals", arguments: [
        ("250ms", .success(250)), ("30s", .success(30_000)), ("5m", .success(300_000)), ("2h", .success(7_200_000)),
        ("1.5s", .success(1_500)), ("7d", .success(604_800_000)), (".5s", .success(500)), ("0s", .success(0)), ("30", .failure(.missingUnit)),
        ("1.5", .failure(.missingUnit)), ("-5s", .failure(.negative)), ("1.5ms", .failure(.fractionalMillis)),
        ("1h30m", .failure(.malformed)), ("5 days", .failure(.malformed)), ("1..2s", .failure(.malformed)),
        ("s", .failure(.malformed)), ("99999999999999999999s", .failure(.tooLarge)), ("9999999999999999h", .failure(.tooLarge)), ("366d", .success(31_622_400_000)), ("367d", .failure(.tooLarge)),
    ] as [(String, Result<Int64, DurationLiteral.Failure>)])
    func durations(text: String, expected: Result<Int64, DurationLiteral.Failure>) {
        #expect(DurationLiteral.millis(from: text) == expected)
    }

    @Test("${VAR} after YAML parsing: YAML syntax in a value is safe, $$ is a literal $, a lone $ stays")
    func substitution() throws {
        let config = try parse("""
            database: ${DIR}/g.db
            platforms:
              lab: { type: telegram, api_base: "http://cost $$5, $x, $${LITERAL}", token: ${TOKEN} }
              flow: { type: telegram, token: t0k3n, api_base: http://$${HOME}/x ${DIR} }
              block:
                type: telegram
                token: t0k3n
                api_base: http://${DIR}${DIR} $$
            """, ["DIR": "/srv", "TOKEN": "a: b # {c} ${NOT_EXPANDED}", "HOME": "/root"])
        #expect(config.database == "/srv/g.db")
        #expect(config.platforms[0].options["api_base"] == .string("http://cost $5, $x, ${LITERAL}"))
        #expect(config.platforms[0].secrets["token"]?.revealed == "a: b # {c} ${NOT_EXPANDED}")
        #expect(config.platforms[1].options["api_base"] == .string("http://${HOME}/x /srv"))
        #expect(config.platforms[2].options["api_base"] == .string("http:///srv/srv $"))
    }

    @Test("a secret prints as <redacted> everywhere but .revealed")
    func redaction() throws {
        let config = try parse(Self.example, Self.environment)
        let secret = try #require(config.platforms[0].secrets["token"])
        var dumped = ""
        dump(config, to: &dumped)
        for text in ["\(secret)", String(reflecting: secret), "\(config)", String(reflecting: config), dumped] {
            #expect(!text.contains("telegram-secret") && !text.contains("irc-secret"), "\(text)")
        }
        #expect("\(secret)" == "<redacted>" && String(reflecting: secret) == "<redacted>")
    }

    // MARK: - Large configurations

    /// 5,000 platforms are read in two halves at once: the result is in file order, and the problem reported is the
    /// first in the file whichever half holds it.
    @Test("a large configuration: platforms in file order; the first problem in the file is the one reported")
    func large() throws {
        func yaml(breaking broken: Set<Int>) -> String {
            var text = "platforms:\n"
            for index in 0..<5_000 {
                let script = broken.contains(index) ? "explode" : (index.isMultiple(of: 2) ? "connect" : "fail network, then connect")
                text += "  p\(index): { type: simulated, script: \"\(script)\" }\n"
            }
            return text
        }
        let config = try parse(yaml(breaking: []))
        #expect(config.platforms.map(\.name) == (0..<5_000).map { "p\($0)" })
        #expect(config.platforms[4_999].options["script"] == .string("fail network, then connect"))
        #expect(config.platforms[2_500].options["script"] == .string("connect"))
        for (broken, first) in [([4_000], 4_000), ([100, 4_000], 100), ([2_499, 2_500], 2_499), ([2_500, 4_999], 2_500)] {
            do {
                _ = try parse(yaml(breaking: Set(broken)))
                Issue.record("\(broken): no error")
            } catch let error as ConfigError {
                #expect(error.keyPath == "platforms.p\(first).script" && error.line == first + 2, "\(broken): \(error)")
            }
        }
    }

    // MARK: - Files

    @Test("load reads a file; a missing file, a directory and non-UTF-8 bytes are errors naming the file")
    func files() throws {
        let dir = FileManager.default.temporaryDirectory.appending(path: "gatewayd-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appending(path: "good.yaml").path
        try Self.example.write(toFile: good, atomically: true, encoding: .utf8)
        #expect(try GatewayConfig.load(path: good, environment: Self.environment) == parse(Self.example, Self.environment))

        func loadError(_ path: String) -> ConfigError? {
            do { _ = try GatewayConfig.load(path: path, environment: [:]) } catch { return error }
            return nil
        }
        let missing = dir.appending(path: "missing.yaml").path
        #expect(loadError(missing)?.description == "\(missing): cannot read the configuration file: no such file")
        #expect(loadError(dir.path)?.description == "\(dir.path): cannot read the configuration file: it is a directory")
        let binary = dir.appending(path: "binary.yaml").path
        try Data([0xFF, 0xFE, 0x00, 0x80]).write(to: URL(fileURLWithPath: binary))
        #expect(loadError(binary)?.code == .unreadableFile)
        let broken = dir.appending(path: "broken.yaml").path
        try "platforms:\n  a: b: c\n".write(toFile: broken, atomically: true, encoding: .utf8)
        #expect(loadError(broken)?.description.hasPrefix("\(broken):2: invalid YAML: ") == true)
    }

    // MARK: - Errors

    /// One bad configuration and what its error must say.
    struct Bad: Sendable, CustomTestStringConvertible {
        let name: String
        let yaml: String
        var environment: [String: String] = [:]
        let code: ConfigError.Code
        let line: Int?
        let keyPath: String
        let says: String
        /// A secret in the file or environment that must not appear in the error.
        var secret: String?
        var testDescription: String { name }
    }

    static let lab = "  lab: { type: simulated, script: connect }\n"

    static let bad: [Bad] = [
        Bad(name: "invalid YAML", yaml: "when_all_failed: exit\nplatforms: [a\n", code: .invalidYAML, line: 3, keyPath: "",
            says: "invalid YAML: "),
        Bad(name: "invalid YAML on a secret's line", yaml: "platforms:\n  t: { type: telegram, token: s3cr3t: x }\n",
            code: .invalidYAML, line: 2, keyPath: "", says: "invalid YAML: ", secret: "s3cr3t"),
        Bad(name: "top level is a list", yaml: "- a\n- b\n", code: .notAMapping, line: 1, keyPath: "",
            says: "the top level must be a mapping of settings (reconnect, when_all_failed, database, platforms), found a list"),
        Bad(name: "empty document", yaml: "# nothing\n", code: .notAMapping, line: nil, keyPath: "", says: "an empty document"),
        Bad(name: "unknown top-level key", yaml: "platforms:\n\(lab)platfroms: {}\n", code: .unknownKey, line: 3,
            keyPath: "platfroms", says: "unknown key at the top level; known keys: alerts, database, fleet, http, inbox, log, platforms, reconnect, when_all_failed"),
        Bad(name: "fleet lease too short", yaml: "fleet: { lease: 1s }\nplatforms:\n\(lab)", code: .invalidValue, line: 1,
            keyPath: "fleet.lease", says: "must be at least 3s"),
        Bad(name: "fleet max_platforms 0", yaml: "fleet:\n  max_platforms: 0\nplatforms:\n\(lab)", code: .invalidValue, line: 2,
            keyPath: "fleet.max_platforms", says: "must be at least 1"),
        Bad(name: "unknown fleet key", yaml: "fleet: { leas: 9s }\nplatforms:\n\(lab)", code: .unknownKey, line: 1,
            keyPath: "fleet.leas", says: "unknown key in fleet; known keys: lease, max_platforms, query_timeout"),
        Bad(name: "fleet query_timeout too short", yaml: "fleet: { query_timeout: 500ms }\nplatforms:\n\(lab)", code: .invalidValue,
            line: 1, keyPath: "fleet.query_timeout", says: "must be at least 1s"),
        Bad(name: "unknown reconnect key", yaml: "reconnect: { bsae: 1s }\nplatforms:\n\(lab)", code: .unknownKey, line: 1,
            keyPath: "reconnect.bsae", says: "unknown key in reconnect; known keys: base, cap, connect_timeout"),
        Bad(name: "unknown platform key", yaml: "platforms:\n  lab: { type: simulated, script: connect, tokn: abc }\n",
            code: .unknownKey, line: 2, keyPath: "platforms.lab.tokn",
            says: "unknown key for type simulated; known keys: enabled, reconnect, script, send_delay, sent_log, token, type"),
        Bad(name: "unknown key in a platform's reconnect", yaml: "platforms:\n  lab:\n    type: simulated\n    script: connect\n    reconnect:\n      bsae: 1s\n",
            code: .unknownKey, line: 6, keyPath: "platforms.lab.reconnect.bsae", says: "unknown key in reconnect"),
        Bad(name: "factor: abc", yaml: "reconnect:\n  factor: abc\nplatforms:\n\(lab)", code: .wrongType, line: 2,
            keyPath: "reconnect.factor", says: "must be a finite number, found a string ('abc')"),
        Bad(name: "platforms: 3", yaml: "platforms: 3\n", code: .wrongType, line: 1, keyPath: "platforms",
            says: "must be a mapping of platform names to their settings, found an integer"),
        Bad(name: "channels: 5", yaml: "platforms:\n  chat: { type: irc, server: s, nick: n, channels: 5 }\n",
            code: .wrongType, line: 2, keyPath: "platforms.chat.channels", says: "must be a list of strings"),
        Bad(name: "a channel that is a list", yaml: "platforms:\n  chat: { type: irc, server: s, nick: n, channels: ['#a', [b]] }\n",
            code: .wrongType, line: 2, keyPath: "platforms.chat.channels[1]", says: "must be a string, found a list"),
        Bad(name: "quoted port", yaml: "platforms:\n  chat: { type: irc, server: s, nick: n, port: \"6697\" }\n",
            code: .wrongType, line: 2, keyPath: "platforms.chat.port", says: "must be an integer, found a string"),
        Bad(name: "enabled: maybe", yaml: "platforms:\n  lab: { type: simulated, script: connect, enabled: maybe }\n",
            code: .wrongType, line: 2, keyPath: "platforms.lab.enabled", says: "must be true or false"),
        Bad(name: "secret of the wrong type", yaml: "platforms:\n  t:\n    type: telegram\n    token: [s3cr3t-one, s3cr3t-two]\n",
            code: .wrongType, line: 4, keyPath: "platforms.t.token", says: "must be a string (a secret), found a list",
            secret: "s3cr3t"),
        Bad(name: "secret that is a mapping", yaml: "platforms:\n  t: { type: telegram, token: { s3cr3t: x } }\n",
            code: .wrongType, line: 2, keyPath: "platforms.t.token", says: "found a mapping", secret: "s3cr3t"),
        Bad(name: "missing type", yaml: "platforms:\n  lab: { script: connect }\n", code: .missingKey, line: 2,
            keyPath: "platforms.lab.type", says: "missing required key (one of telegram, discord, irc, matrix, slack, simulated)"),
        Bad(name: "missing token", yaml: "platforms:\n  t: { type: telegram }\n", code: .missingKey, line: 2,
            keyPath: "platforms.t.token", says: "missing required key (type telegram needs it)"),
        Bad(name: "missing nick", yaml: "platforms:\n  chat: { type: irc, server: s }\n", code: .missingKey, line: 2,
            keyPath: "platforms.chat.nick", says: "missing required key"),
        Bad(name: "unknown platform type", yaml: "platforms:\n  s: { type: mattermost }\n", code: .unknownPlatformType, line: 2,
            keyPath: "platforms.s.type", says: "unknown platform type 'mattermost'; known types: telegram, discord, irc, matrix, slack, simulated"),
        Bad(name: "duplicate platform name", yaml: "platforms:\n\(lab)  other: { type: simulated, script: connect }\n\(lab)",
            code: .duplicateKey, line: 4, keyPath: "platforms.lab", says: "duplicate key 'lab' (first defined on line 2)"),
        Bad(name: "duplicate platform name, one quoted", yaml: "platforms:\n  \"lab\": { type: simulated, script: connect }\n\(lab)",
            code: .duplicateKey, line: 3, keyPath: "platforms.lab", says: "duplicate key 'lab' (first defined on line 2)"),
        Bad(name: "duplicate platform name Yams cannot see (1 and \"1\")",
            yaml: "platforms:\n  1: { type: simulated, script: connect }\n  \"1\": { type: simulated, script: connect }\n",
            code: .duplicateKey, line: 3, keyPath: "platforms.1", says: "duplicate key '1' (first defined on line 2)"),
        Bad(name: "duplicate key in a platform", yaml: "platforms:\n  lab:\n    type: simulated\n    script: a\n    script: b\n",
            code: .duplicateKey, line: 5, keyPath: "platforms.lab.script", says: "duplicate key 'script' (first defined on line 4)"),
        Bad(name: "duplicate top-level key", yaml: "when_all_failed: exit\nplatforms:\n\(lab)when_all_failed: stay\n",
            code: .duplicateKey, line: 4, keyPath: "when_all_failed", says: "duplicate key 'when_all_failed' (first defined on line 1)"),
        Bad(name: "platform name with a space", yaml: "platforms:\n  \"my bot\": { type: simulated, script: connect }\n",
            code: .invalidPlatformName, line: 2, keyPath: "platforms",
            says: "invalid platform name 'my bot': use 1 to 64 of the characters A-Z a-z 0-9 _ . -"),
        Bad(name: "platform name of 65 characters", yaml: "platforms:\n  \(String(repeating: "a", count: 65)): { type: simulated, script: connect }\n",
            code: .invalidPlatformName, line: 2, keyPath: "platforms", says: "invalid platform name"),
        Bad(name: "missing environment variable", yaml: "platforms:\n  telegram: { type: telegram, token: ${TELEGRAM_BOT_TOKEN} }\n",
            code: .missingVariable, line: 2, keyPath: "platforms.telegram.token",
            says: "environment variable TELEGRAM_BOT_TOKEN is not set"),
        Bad(name: "empty environment variable for a required secret",
            yaml: "platforms:\n  telegram: { type: telegram, token: ${TELEGRAM_BOT_TOKEN} }\n", environment: ["TELEGRAM_BOT_TOKEN": ""],
            code: .invalidValue, line: 2, keyPath: "platforms.telegram.token",
            says: "must not be empty (environment variable TELEGRAM_BOT_TOKEN is set but empty)"),
        Bad(name: "unterminated ${ in a secret", yaml: "platforms:\n  t: { type: telegram, token: \"s3cr3t${TOKEN\" }\n",
            code: .invalidValue, line: 2, keyPath: "platforms.t.token", says: "unterminated ${ (write $$ for a literal $)",
            secret: "s3cr3t"),
        Bad(name: "negative duration", yaml: "reconnect: { base: -5s }\nplatforms:\n\(lab)", code: .invalidValue, line: 1,
            keyPath: "reconnect.base", says: "must not be negative"),
        Bad(name: "duration without a unit", yaml: "reconnect:\n  cap: 300\nplatforms:\n\(lab)", code: .invalidValue, line: 2,
            keyPath: "reconnect.cap", says: "'300' has no unit; use a unit, e.g. 30s"),
        Bad(name: "zero connect timeout", yaml: "reconnect:\n  connect_timeout: 0s\nplatforms:\n\(lab)", code: .invalidPolicy,
            line: 2, keyPath: "reconnect.connect_timeout", says: "must be greater than 0"),
        Bad(name: "cap < base", yaml: "platforms:\n  lab:\n    type: simulated\n    script: connect\n    reconnect: { base: 10s, cap: 5s }\n",
            code: .invalidPolicy, line: 5, keyPath: "platforms.lab.reconnect.cap", says: "must not be less than base"),
        Bad(name: "cap < base with cap inherited", yaml: "platforms:\n  lab: { type: simulated, script: connect, reconnect: { base: 10m } }\n",
            code: .invalidPolicy, line: 2, keyPath: "platforms.lab.reconnect.cap",
            says: "must not be less than base (cap is inherited from the top-level reconnect or the default)"),
        Bad(name: "jitter out of range", yaml: "reconnect:\n  jitter: 1.5\nplatforms:\n\(lab)", code: .invalidPolicy, line: 2,
            keyPath: "reconnect.jitter", says: "must be in [0, 1)"),
        Bad(name: "when_all_failed: maybe", yaml: "when_all_failed: maybe\nplatforms:\n\(lab)", code: .invalidValue, line: 1,
            keyPath: "when_all_failed", says: "must be exit or stay, not 'maybe'"),
        Bad(name: "on_exhausted: never", yaml: "reconnect: { on_exhausted: never }\nplatforms:\n\(lab)", code: .invalidValue,
            line: 1, keyPath: "reconnect.on_exhausted", says: "must be slow or give_up, not 'never'"),
        Bad(name: "no platforms key", yaml: "when_all_failed: stay\n", code: .noPlatforms, line: nil, keyPath: "platforms",
            says: "no platforms configured; add at least one under platforms:"),
        Bad(name: "platforms: {}", yaml: "database: x\nplatforms: {}\n", code: .noPlatforms, line: 2, keyPath: "platforms",
            says: "no platforms configured"),
        Bad(name: "platforms: with nothing", yaml: "platforms:\n", code: .noPlatforms, line: 1, keyPath: "platforms",
            says: "no platforms configured"),
    ]

    @Test("each problem is one line: file:line: key.path: what is wrong", arguments: bad)
    func errors(_ bad: Bad) throws {
        var thrown: ConfigError?
        do {
            _ = try GatewayConfig.parse(yaml: bad.yaml, source: "test.yaml", environment: bad.environment)
        } catch {
            thrown = error
        }
        let error = try #require(thrown, "\(bad.name) must not parse")
        let prefix = "test.yaml" + (bad.line.map { ":\($0)" } ?? "") + (bad.keyPath.isEmpty ? "" : ": \(bad.keyPath)") + ": "
        #expect(error.description.hasPrefix(prefix), "\(error)")
        #expect(error.description.contains(bad.says), "\(error)")
        #expect(error.code == bad.code, "\(error)")
        #expect(error.line == bad.line && error.keyPath == bad.keyPath, "\(error)")
        #expect(!error.description.contains("\n"))
        if let secret = bad.secret {
            #expect(!error.description.contains(secret), "\(error)")
        }
    }

    @Test("http beyond loopback needs a token, or allow_unauthenticated said on purpose; loopback needs neither")
    func httpExposure() throws {
        let platforms = "platforms:\n  p: { type: simulated, script: connect }\n"
        #expect(throws: ConfigError.self) {
            try GatewayConfig.parse(yaml: "http: { listen: \"0.0.0.0:8787\" }\n" + platforms, source: "t.yaml", environment: [:])
        }
        do {
            _ = try GatewayConfig.parse(yaml: "http: { listen: \"10.1.2.3:8787\" }\n" + platforms, source: "t.yaml", environment: [:])
            Issue.record("a LAN address without a token was accepted")
        } catch {
            #expect(error.keyPath == "http.listen" && error.description.contains("not a loopback address"), "\(error)")
        }
        let open = try GatewayConfig.parse(
            yaml: "http: { listen: \"0.0.0.0:8787\", allow_unauthenticated: true }\n" + platforms, source: "t.yaml", environment: [:])
        #expect(open.http?.allowUnauthenticated == true && open.http?.exposureProblem == nil)
        let token = try GatewayConfig.parse(
            yaml: "http: { listen: \"0.0.0.0:8787\", token: s3cret }\n" + platforms, source: "t.yaml", environment: [:])
        #expect(token.http?.exposureProblem == nil)
        for host in ["127.0.0.1", "127.8.9.10", "localhost", "[::1]"] {
            #expect(HTTPConfig.isLoopback(host), "\(host)")
        }
        #expect(!HTTPConfig.isLoopback("127.0.0.1.example.com") && !HTTPConfig.isLoopback("0.0.0.0"))
    }
}
