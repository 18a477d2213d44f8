/// What Discord accepts as a target: a channel id, a snowflake (a decimal number of at most 20 digits).
enum DiscordTarget {
    static func isSnowflake(_ target: String) -> Bool {
        !target.isEmpty && target.count <= 20 && target.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

extension PlatformKind {
    static let discord = PlatformKind(type: .discord) { target in
        DiscordTarget.isSnowflake(target)
            ? nil
            : "'\(String(target.prefix(60)))' is not a Discord channel: a Discord target is a channel id (a snowflake: up to 20 digits)"
    }
}
