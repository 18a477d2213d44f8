import GatewayStore

import GatewayCore
import GatewayDaemon
import GatewayRuntime
import GatewayDiscord
import GatewayIRC
import GatewayTelegram

/// The configuration loader on a file's bytes: `GatewayConfig.parse(yaml:source:environment:)` on valid UTF-8 (what
/// `GatewayConfig.load` passes it; other bytes are refused before parsing), then what the daemon builds from a
/// valid config: each platform's adapter settings (`TelegramSettings`, `DiscordSettings`, `IRCSettings`, the
/// simulated script) and each reconnect policy's waits (`BackoffPolicy.delayMillis`, `jittered`, `longestWaitMillis`,
/// as `PlatformMachine` computes them).
enum ConfigFuzz {
    static let environment = [
        "TELEGRAM_BOT_TOKEN": "123456:fuzz-token", "DISCORD_TOKEN": "fuzz.discord.token", "IRC_PASS": "pw",
        "EMPTY": "", "GATEWAYD_HTTP_TOKEN": "http-token",
    ]

    static func run(_ bytes: [UInt8]) {
        guard let text = String(validating: bytes, as: UTF8.self) else { return }
        let config: GatewayConfig
        do {
            config = try GatewayConfig.parse(yaml: text, source: "fuzz.yaml", environment: environment)
        } catch {
            _ = error.description
            return
        }
        waits(config.reconnect)
        for platform in config.platforms {
            waits(platform.policy)
            _ = platform.credentialFingerprint
            _ = try? PlatformKinds.kind(platform.type)?.checkSettings(platform)
        }
    }

    /// The waits `PlatformMachine` asks a valid policy for, up to and past `max_attempts`.
    private static func waits(_ policy: BackoffPolicy) {
        invariant(policy.problems.isEmpty, "the loader accepted a policy with problems: \(policy.problems)")
        var random = SplitMix64(seed: 1)
        for attempt in 1...min(policy.maxAttempts, 70) + 1 {
            let wait = policy.delayMillis(afterAttempt: attempt, random: &random)
            invariant(wait >= 0, "a negative wait")
        }
        // The exhausted `slow` cadence, and the cap: jittered up or down depending on the draw, so several draws.
        for seed in UInt64(1)...4 {
            var draw = SplitMix64(seed: seed)
            _ = policy.jittered(policy.slowIntervalMillis, random: &draw)
            _ = policy.jittered(policy.capMillis, random: &draw)
        }
        _ = policy.longestWaitMillis
    }
}
