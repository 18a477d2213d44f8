import Foundation
import GatewayCore
import GatewayRuntime
import GatewayTelegram
import GatewayDiscord
import GatewayIRC
import GatewayDaemon
import GatewayStore
import Testing

/// Every secret the configuration can hold, through every adapter's failure modes in a real `gatewayd run`, looked
/// for on every surface an operator or another program can see: the log, the database (file, WAL, SHM), `/metrics`,
/// `/v1/status`, the status page, `status --json` and the other CLI outputs, the events, the alert command's input.
@Suite("Secrets: every surface", .serialized, .enabled(if: Ngircd.isInstalled, "needs ngircd"))
struct SecretSurfacesTests {
    static let telegramBad = "654321:SURFACE-bad-telegram-token"
    static let discordBad = "SURFACE.bad-discord.token"
    static let ircPassword = "surface-irc-server-password"
    static let ircBadPassword = "surface-wrong-irc-password"
    static let saslPassword = "surface-sasl-password"
    static let httpToken = "surface-http-bearer-token"
    static let webhookKey = "surface-webhook-query-secret"

    static var secrets: [String] {
        [telegramTestToken, telegramTestSecretHalf, telegramBad, "SURFACE-bad-telegram-token", DiscordFixture.token, discordBad,
         ircPassword, ircBadPassword, saslPassword, httpToken, webhookKey]
    }

    @Test("tokens and passwords through 502/invalid JSON/401 echoes, bad credentials, a dropped gateway, failing alerts: on no surface")
    func noSecretOnAnySurface() async throws {
        let scratch = try Scratch("secrets")
        defer { scratch.remove() }
        let telegram = try await TelegramTestServer.start(token: telegramTestToken)
        let discord = try await DiscordTestGateway(token: DiscordFixture.token)
        let irc = try await Ngircd(password: Self.ircPassword)
        let httpPort = try freeLoopbackPort()
        let closedPort = try closedLoopbackPort()
        // The Telegram server echoes the token back in its failures, as a misbehaving proxy might.
        let echo = "/bot\(telegramTestToken)/getMe"
        await telegram.state.inject(.error(status: 502, description: "Bad Gateway: upstream \(echo) failed"), on: "getMe")
        await telegram.state.inject(.invalidJSON("<html>no route for \(echo) token=\(telegramTestToken)</html>"), on: "getMe")

        let alertLog = scratch.path("alert.log")
        let alertCommand = try scratch.write("alert.sh", "#!/bin/sh\n{ env | grep GATEWAYD_; cat; echo; } >> \(alertLog)\n")
        chmod(alertCommand, 0o700)
        let db = scratch.path("gateway.db")
        let config = try scratch.write("gatewayd.yaml", """
            reconnect: { base: 1s, factor: 1, cap: 1s, jitter: 0, connect_timeout: 10s }
            when_all_failed: stay
            platforms:
              tg: { type: telegram, token: ${S_TG}, api_base: "\(telegram.apiBase)", poll_timeout: 1s, request_timeout: 2s }
              tg_bad: { type: telegram, token: ${S_TG_BAD}, api_base: "\(telegram.apiBase)", request_timeout: 2s }
              dc: { type: discord, token: ${S_DC}, api_base: "\(discord.apiBase)" }
              dc_bad: { type: discord, token: ${S_DC_BAD}, api_base: "\(discord.apiBase)" }
              irc: { type: irc, server: 127.0.0.1, port: \(irc.port), nick: surfbot, password: ${S_IRC}, channels: ["#ops"] }
              irc_bad: { type: irc, server: 127.0.0.1, port: \(irc.port), nick: surfbad, password: ${S_IRC_BAD} }
              irc_sasl: { type: irc, server: 127.0.0.1, port: \(irc.port), nick: surfsasl, password: ${S_IRC}, sasl_password: ${S_SASL} }
            http: { listen: "127.0.0.1:\(httpPort)", token: ${S_HTTP} }
            alerts: { webhook: "http://127.0.0.1:\(closedPort)/hook?key=${S_HOOK}", command: "\(alertCommand)", down_after: 1s, stall_after: 1m }
            """)
        let environment = [
            "S_TG": telegramTestToken, "S_TG_BAD": Self.telegramBad, "S_DC": DiscordFixture.token, "S_DC_BAD": Self.discordBad,
            "S_IRC": Self.ircPassword, "S_IRC_BAD": Self.ircBadPassword, "S_SASL": Self.saslPassword, "S_HTTP": Self.httpToken,
            "S_HOOK": Self.webhookKey,
        ]
        let daemon = try GatewaydProcess(["run", "--config", config, "--db", db, "--log-level", "trace"], in: scratch.dir, environment: environment)
        let store = try Store(path: db)
        try await eventually("every platform reached its state", timeout: .seconds(90)) {
            let states = Dictionary(uniqueKeysWithValues: try await store.platforms().map { ($0.name, $0.state) })
            return states["tg"] == .connected && states["dc"] == .connected && states["irc"] == .connected
                && states["tg_bad"] == .needsAttention && states["dc_bad"] == .needsAttention
                && states["irc_bad"] == .needsAttention && states["irc_sasl"] != nil && states["irc_sasl"] != .connecting
        }
        // Runtime failures of connected platforms: Discord's socket closed with 4000 (it resumes), Telegram sends.
        try await discord.state.closeLive(code: 4000)
        _ = try await DeliveryRouter.enqueue(store: store, kinds: PlatformKinds.all, platform: "tg", target: "42", text: "hi", expiresAt: nil, idempotencyKey: nil)
        await telegram.state.inject(.error(status: 500, description: "oops \(telegramTestToken)"), on: "sendMessage")
        _ = try await DeliveryRouter.enqueue(store: store, kinds: PlatformKinds.all, platform: "tg", target: "43", text: "hi again", expiresAt: nil, idempotencyKey: nil)
        try await eventually("alerts were tried and failed", timeout: .seconds(30)) {
            try await store.events(limit: 1_000).contains { $0.kind == .alertFailed }
        }
        try await eventually("the discord resume is recorded") {
            try await store.events(platform: "dc", limit: 100).filter { $0.kind == .connected }.count >= 2
        }

        // The database files, while the daemon runs: 0600 each.
        for file in [db, db + "-wal", db + "-shm"] {
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file) has mode \(String(mode ?? 0, radix: 8))")
        }

        var surfaces: [(String, String)] = []
        let base = "http://127.0.0.1:\(httpPort)"
        for path in ["/metrics", "/v1/status", "/", "/healthz", "/readyz"] {
            let (status, body) = try await Self.get(base + path, bearer: Self.httpToken)
            #expect(status == 200 || (path == "/healthz" && status == 503), "\(path): \(status)")
            surfaces.append(("GET \(path)", body))
        }
        #expect(surfaces[0].1.contains("gatewayd_platform_up"), "the metrics were read")
        #expect(surfaces[1].1.contains("\"tg_bad\""), "the status was read")
        let (refused, refusedBody) = try await Self.get(base + "/v1/status?token=wrong", bearer: "wrong-\(Self.httpToken)")
        #expect(refused == 401)
        surfaces.append(("GET /v1/status refused", refusedBody))
        for arguments in [["status", "--json"], ["status"], ["queue", "--json"], ["events", "--limit", "1000"],
                          ["outbox", "--all"], ["inbox", "--json"]] {
            let result = try await GatewaydProcess.run(arguments + ["--db", db], in: scratch.dir)
            #expect(result.status == 0 || result.status == 1, "\(arguments): \(result.stderr)")
            surfaces.append(("gatewayd \(arguments.joined(separator: " "))", result.stdout + result.stderr))
        }
        #expect(surfaces.contains { $0.0 == "gatewayd status --json" && $0.1.contains("needs_attention") })

        daemon.signal(SIGTERM)
        let result = await daemon.finish()
        #expect(result.status == 0, "\(result.stderr.suffix(1_000))")
        surfaces.append(("the log", result.stderr))
        surfaces.append(("the alert command's input", (try? String(contentsOfFile: alertLog, encoding: .utf8)) ?? ""))
        #expect(surfaces.last?.1.contains("needs_attention") == true, "the alert command ran")
        let events = try await store.events(limit: 5_000)
        surfaces.append(("the events", events.map { "\($0.kind) \($0.detail ?? "") \($0.errorClass.map { "\($0)" } ?? "")" }.joined(separator: "\n")))
        surfaces.append(("the rows", try await store.platforms().map { "\($0.lastError ?? "") \($0.lastErrorCode ?? "")" }.joined(separator: "\n")))
        surfaces.append(("the outbox", try await store.outbox().map { $0.error ?? "" }.joined(separator: "\n")))
        #expect(result.stderr.count > 10_000, "a trace-level log was captured (\(result.stderr.count) bytes)")

        for secret in Self.secrets {
            for (name, text) in surfaces {
                #expect(!text.contains(secret), "\(name) holds a secret")
            }
            #expect(try !databaseFilesContain(secret, path: db), "the database files hold a secret")
        }
        await telegram.stop()
        await discord.stop()
    }

    /// A GET with a bearer token through curl (the test target has no HTTP client of its own); (status, body).
    static func get(_ url: String, bearer: String) async throws -> (Int, String) {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "--max-time", "10", "-H", "Authorization: Bearer \(bearer)", "-w", "\n%{http_code}", url]
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let status = Int(text.split(separator: "\n").last ?? "") ?? 0
        return (status, text)
    }
}
