import GatewayCore

/// What Discord accepts as a target: a channel id, a snowflake (a decimal number of at most 20 digits).
enum DiscordTarget {
    static func isSnowflake(_ target: String) -> Bool {
        !target.isEmpty && target.count <= 20 && target.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Why `replyTo` names no Discord message.
    static func replyRule(_ replyTo: String) -> String {
        "reply_to '\(String(replyTo.prefix(60)))' is not a Discord message: it is a message id (a snowflake: up to 20 digits)"
    }
}

/// The Discord platform, Gateway v10 + REST (`type: discord`).
public enum DiscordPlatform {
    public static let kind = PlatformKind(
        type: .discord,
        keys: [
            "token": .required(.secret),
            "api_base": .optional(.string),
            "gateway_url": .optional(.string),
            "intents": .optional(.int),
        ],
        targetProblem: { target in
            DiscordTarget.isSnowflake(target)
                ? nil
                : "'\(String(target.prefix(60)))' is not a Discord channel: a Discord target is a channel id (a snowflake: up to 20 digits)"
        },
        replyToProblem: { DiscordTarget.isSnowflake($0) ? nil : DiscordTarget.replyRule($0) },
        checkSettings: { platform throws(AdapterError) in _ = try DiscordSettings(platform) },
        maker: {
            AdapterMaker { platform, context in DiscordAdapter(settings: try DiscordSettings(platform), context: context) }
        },
        endpoint: { platform in (try? DiscordSettings(platform)).flatMap { Endpoint(url: $0.apiBase) } },
        // IDENTIFY allows `max_concurrency` (1 for most bots) per 5 s per bot, and a connect starts with
        // GET /gateway/bot on the REST endpoint: 5 logins per 5 s per endpoint, whatever the number of bots.
        loginBudget: LoginBudget(logins: 5, windowMillis: 5_000))
}

extension PlatformType {
    /// `type: discord`.
    public static let discord = PlatformType("discord")
}
