import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayIRC
@testable import GatewayDaemon
@testable import GatewayRuntime

@Suite("IRC settings")
struct IRCSettingsTests {
    static func platform(_ fields: String, environment: [String: String] = [:]) throws -> PlatformConfig {
        let config = try GatewayConfig.parse(
            yaml: "platforms:\n  chat: { type: irc, \(fields) }\n", source: "test.yaml", environment: environment)
        return try #require(config.platforms.first)
    }

    @Test("defaults: port 6667 (6697 with tls), alternates nick_ and nick__, username = nick, 2m idle PING, 1m timeout")
    func defaults() throws {
        let plain = try IRCSettings(try Self.platform("server: irc.example, nick: gwbot"))
        #expect(plain.port == 6667 && !plain.tls && plain.altNicks == ["gwbot_", "gwbot__"] && plain.username == "gwbot")
        #expect(plain.realname == "gatewayd" && plain.channels.isEmpty && plain.password == nil && plain.sasl == nil)
        #expect(plain.pingIntervalMillis == 120_000 && plain.pingTimeoutMillis == 60_000 && plain.registerTimeoutMillis == 20_000)
        #expect(plain.lineBurst == 5 && plain.lineIntervalMillis == 2_000, "flood control: 5 lines, then 1 per 2 s")
        #expect(try IRCSettings(try Self.platform("server: irc.example, nick: gwbot, tls: true")).port == 6697)
        let short = try IRCSettings(try Self.platform("server: s, nick: n, reconnect: { connect_timeout: 8s }"))
        #expect(short.registerTimeoutMillis == 6_000, "¾ of the connect timeout, so our own deadline fires first")
    }

    @Test("every key is read; secrets stay Secrets; sasl_user defaults to the nick")
    func allKeys() throws {
        let settings = try IRCSettings(try Self.platform("""
            server: irc.example, port: 7000, tls: true, tls_ca_file: /etc/ca.pem, nick: gwbot, alt_nicks: [gw2], \
            username: bot, realname: "The Bot", password: ${P}, sasl_password: ${S}, channels: ["#a", "&b"], \
            ping_interval: 45s, ping_timeout: 15s, register_timeout: 10s, line_burst: 20, line_interval: 250ms
            """, environment: ["P": "server-pass", "S": "sasl-pass"]))
        #expect(settings.port == 7000 && settings.tlsCAFile == "/etc/ca.pem" && settings.altNicks == ["gw2"])
        #expect(settings.username == "bot" && settings.realname == "The Bot" && settings.channels == ["#a", "&b"])
        #expect(settings.password?.revealed == "server-pass" && settings.sasl?.user == "gwbot" && settings.sasl?.password.revealed == "sasl-pass")
        #expect(settings.pingIntervalMillis == 45_000 && settings.pingTimeoutMillis == 15_000 && settings.registerTimeoutMillis == 10_000)
        #expect(settings.nicks == ["gwbot", "gw2"])
        #expect(settings.lineBurst == 20 && settings.lineIntervalMillis == 250)
    }

    /// The adapter's checks run when the configuration is loaded (ConfigParser+AdapterSettings): each value that cannot
    /// work is a configuration error naming its key, so nothing starts; the adapter keeps them for configs built in code.
    @Test("values that cannot work are refused at load, naming the key (the adapter's own check)", arguments: [
        ("server: irc.example, nick: '9lives'", "nick"),
        ("server: irc.example, nick: 'two words'", "nick"),
        ("server: irc.example, nick: gwbot, alt_nicks: ['bad!nick']", "alt_nicks"),
        ("server: irc.example, nick: gwbot, port: 70000", "port"),
        ("server: irc.example, nick: gwbot, channels: ['nohash']", "channels"),
        ("server: irc.example, nick: gwbot, channels: ['#a,#b']", "channels"),
        ("server: irc.example, nick: gwbot, sasl_user: acct", "sasl_user"),
        ("server: irc.example, nick: gwbot, ping_timeout: 10ms", "ping_interval"),
        ("server: irc.example, nick: gwbot, username: 'a b'", "username"),
        ("server: irc.example, nick: gwbot, line_burst: 0", "line_burst"),
        ("server: irc.example, nick: gwbot, line_interval: 2m", "line_interval"),
    ])
    func invalid(fields: String, key: String) throws {
        #expect {
            _ = try Self.platform(fields)
        } throws: { error in
            (error as? ConfigError)?.keyPath == "platforms.chat.\(key)" && (error as? ConfigError)?.code == .invalidValue
        }
    }

    @Test("a configuration built in code with a value that cannot work: auth/config from the adapter, no connection made")
    func adapterStillChecks() throws {
        var platform = try Self.platform("server: 127.0.0.1, port: 1, nick: gwbot")
        platform.options["nick"] = .string("9bad")
        #expect {
            _ = try IRCSettings(platform)
        } throws: { error in
            (error as? AdapterError)?.errorClass == .auth && (error as? AdapterError)?.code == "config"
        }
    }

    @Test("JOIN lines batch channels with commas and stay within 512 bytes")
    func joinLines() {
        #expect(IRCAdapter.joinLines(["#a", "#b"]).map(\.text) == ["JOIN #a,#b"])
        let many = (1...60).map { "#channel-number-\($0)" }
        let lines = IRCAdapter.joinLines(many)
        #expect(lines.count > 1 && lines.allSatisfy { $0.text.utf8.count <= 510 })
        #expect(lines.flatMap { $0.text.dropFirst(5).split(separator: ",").map(String.init) } == many)
        #expect(IRCAdapter.joinLines([]).isEmpty)
    }
}
