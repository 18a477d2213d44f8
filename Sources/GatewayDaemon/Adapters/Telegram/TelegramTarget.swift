extension PlatformKind {
    /// A Telegram target is a chat id (an integer, negative for groups and channels) or `@username`.
    static let telegram = PlatformKind(type: .telegram) { target in
        TelegramChatID(target: target) == nil
            ? "'\(String(target.prefix(60)))' is not a Telegram chat: a Telegram target is a chat id (an integer, e.g. -1001234567890) or @username"
            : nil
    }
}
