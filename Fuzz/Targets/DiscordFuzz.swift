import GatewayStore
import Logging

import GatewayCore
import GatewayDaemon
import GatewayRuntime
import GatewayDiscord
import GatewayIRC
import GatewayTelegram

/// The Discord adapter's receive path: each line of the input is one gateway text frame, handed to
/// `DiscordAdapter.process(_:)` exactly as `run()` hands it what the socket received (`GatewayFrame(text:)`, then
/// HELLO, heartbeat ACK, RECONNECT, INVALID_SESSION and dispatches: READY, RESUMED, MESSAGE_CREATE, GUILD_CREATE,
/// GUILD_DELETE). The adapter has no socket (what it would send goes nowhere), no store and a manual clock; the first
/// frame that ends the connection ends the input, as it would end the connection.
enum DiscordFuzz {
    static let settings: DiscordSettings = {
        let platform = PlatformConfig(name: "dc", type: .discord, secrets: ["token": Secret("fuzz.discord.token")])
        do { return try DiscordSettings(platform) } catch { fatalError("fuzz harness: \(error)") }
    }()

    static func run(_ bytes: [UInt8]) async {
        let text = String(decoding: bytes, as: UTF8.self)
        let adapter = DiscordAdapter(settings: settings, context: FuzzContext.make(platform: "dc"))
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let frameText = String(line)
            if let frame = GatewayFrame(text: frameText) {
                // What we would send back must still be a gateway payload.
                invariant(GatewayFrame(text: GatewayFrame.heartbeat(seq: frame.s).text) != nil, "heartbeat not re-parsable")
            }
            do {
                _ = try await adapter.process(.text(frameText))
            } catch {
                break
            }
        }
        await adapter.disconnect()
        _ = await adapter.channels()
    }
}
