import GatewayCore

/// The Telegram Bot API platform (`type: telegram`).
public enum TelegramPlatform {
    public static let kind = PlatformKind(
        type: .telegram,
        keys: [
            "token": .required(.secret),
            "api_base": .optional(.string),
            "poll_timeout": .optional(.duration),
            "request_timeout": .optional(.duration),
        ],
        targetProblem: { target in
            TelegramChatID(target: target) == nil
                ? "'\(String(target.prefix(60)))' is not a Telegram chat: a Telegram target is a chat id (an integer, e.g. -1001234567890) or @username"
                : nil
        },
        replyToProblem: { replyTo in
            // Checked against a placeholder chat: whether it parses does not depend on the target.
            TelegramReplyParameters(replyTo: replyTo, target: .id(0)) == nil ? TelegramReplyParameters.rule(replyTo) : nil
        },
        checkSettings: { platform throws(AdapterError) in _ = try TelegramSettings(platform) },
        maker: {
            AdapterMaker { platform, context in TelegramAdapter(settings: try TelegramSettings(platform), context: context) }
        },
        endpoint: { platform in (try? TelegramSettings(platform)).flatMap { Endpoint(url: $0.apiBase) } },
        // Telegram documents no limit on getMe (the connect step) beyond its per-bot API limits; 20 logins per
        // second per Bot API server keeps a mass reconnect of many bots well below its ~30 requests/s per bot.
        loginBudget: LoginBudget(logins: 20, windowMillis: 1_000))
}

extension PlatformType {
    /// `type: telegram`.
    public static let telegram = PlatformType("telegram")
}
