import Foundation
import GatewayCore
import GatewayRuntime
import GatewayTelegram
import GatewayDiscord
import GatewayIRC
import GatewayDaemon
import GatewayStore
import Testing

/// The whole product, as an operator runs it: a real `gatewayd run` process with one platform of each kind, pointed
/// at the local Telegram Bot API server, the local Discord gateway and a real ngircd.
@Suite("Process level: all three platforms", .serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/ngircd")))
struct AllPlatformsProcessTests {
    @Test("gatewayd run connects Telegram, Discord and IRC; a message to each is sent; SIGTERM exits 0")
    func connectsAllThree() async throws {
        let binary = try #require(builtGatewayd())
        let dir = FileManager.default.temporaryDirectory.appending(path: "gatewayd-all-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let telegram = try await TelegramTestServer.start(token: telegramTestToken)
        let discord = try await DiscordTestGateway(token: DiscordFixture.token)
        let irc = try await Ngircd()
        let config = dir.appending(path: "gatewayd.yaml")
        try """
            reconnect: { base: 1s, jitter: 0.2 }
            platforms:
              tg:  { type: telegram, token: ${TG_TOKEN}, api_base: "\(telegram.apiBase)", poll_timeout: 1s, request_timeout: 2s }
              dc:  { type: discord, token: ${DISCORD_TOKEN}, api_base: "\(discord.apiBase)" }
              irc: { type: irc, server: 127.0.0.1, port: \(irc.port), nick: gwbot, channels: ["#ops"] }
            """.write(to: config, atomically: true, encoding: .utf8)
        let db = dir.appending(path: "gateway.db").path
        setenv("TG_TOKEN", telegramTestToken, 1)
        setenv("DISCORD_TOKEN", DiscordFixture.token, 1)
        let daemon = try DaemonProcess(binary: binary, config: config, db: db)
        let store = try Store(path: db)
        let deadline = ContinuousClock.now + .seconds(60)
        var states: [String: PlatformState] = [:]
        while ContinuousClock.now < deadline {
            states = Dictionary(uniqueKeysWithValues: try await store.platforms().map { ($0.name, $0.state) })
            if states == ["tg": .connected, "dc": .connected, "irc": .connected] { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(states == ["tg": .connected, "dc": .connected, "irc": .connected])
        for (platform, target) in [("tg", "42"), ("dc", "1234567890"), ("irc", "#ops")] {
            _ = try await DeliveryRouter.enqueue(
                store: store, kinds: PlatformKinds.all, platform: platform, target: target, text: "hello from gatewayd", expiresAt: nil, idempotencyKey: nil)
        }
        let sendDeadline = ContinuousClock.now + .seconds(60)
        while try await store.outbox(states: [.sent]).count < 3, ContinuousClock.now < sendDeadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        let outbox = try await store.outbox()
        #expect(outbox.map(\.state) == [.sent, .sent, .sent], "\(outbox.map { "\($0.platform): \($0.state) \($0.error ?? "")" })")
        daemon.kill(SIGTERM)
        let result = await daemon.finished()
        #expect(result.status == 0, "\(result.stderr.suffix(2_000))")
        for secret in [telegramTestToken, DiscordFixture.token] {
            #expect(!result.stderr.contains(secret), "no token in the logs")
            #expect(try !databaseFilesContain(secret, path: db), "no token in the database")
        }
        await telegram.stop()
        await discord.stop()
    }
}
