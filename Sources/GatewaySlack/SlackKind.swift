import GatewayCore

/// What Slack accepts as a target and a `reply_to`.
enum SlackTarget {
    /// A conversation id (`C…` public channel, `G…` private channel or group DM, `D…` DM) or a user id (`U…`/`W…`,
    /// which `chat.postMessage` turns into the app's DM with that user): upper-case letters and digits.
    static func isConversation(_ target: String) -> Bool {
        guard let first = target.first, "CDGUW".contains(first), (2...32).contains(target.count) else { return false }
        return target.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) }
    }

    /// `C0123ABC:1714557600.000200` → (channel, ts): the form of every Slack message id gatewayd stores.
    static func messageID(_ id: String) -> (channel: String, ts: String)? {
        guard let colon = id.firstIndex(of: ":") else { return nil }
        let channel = String(id[..<colon]), ts = String(id[id.index(after: colon)...])
        guard isConversation(channel), isTimestamp(ts) else { return nil }
        return (channel, ts)
    }

    /// Slack's message `ts`: seconds, a dot, microseconds (`1714557600.000200`).
    static func isTimestamp(_ ts: String) -> Bool {
        let parts = ts.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.count <= 16 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }

    static func targetRule(_ target: String) -> String {
        "'\(String(target.prefix(60)))' is not a Slack conversation: a Slack target is a channel, group or DM id (C…, G…, D…) or a user id (U…, W…)"
    }

    static func replyRule(_ replyTo: String) -> String {
        "reply_to '\(String(replyTo.prefix(60)))' is not a Slack message: it is '<channel>:<ts>', e.g. C0123ABC:1714557600.000200"
    }
}

/// The Slack platform: Socket Mode for what arrives, the Web API for what is sent (`type: slack`).
public enum SlackPlatform {
    public static let kind = PlatformKind(
        type: .slack,
        keys: [
            "app_token": .required(.secret),
            "bot_token": .required(.secret),
            "api_base": .optional(.string),
            "request_timeout": .optional(.duration),
        ],
        targetProblem: { SlackTarget.isConversation($0) ? nil : SlackTarget.targetRule($0) },
        replyToProblem: { SlackTarget.messageID($0) == nil ? SlackTarget.replyRule($0) : nil },
        checkSettings: { platform throws(AdapterError) in _ = try SlackSettings(platform) },
        maker: {
            AdapterMaker { platform, context in SlackAdapter(settings: try SlackSettings(platform), context: context) }
        },
        endpoint: { platform in (try? SlackSettings(platform)).flatMap { Endpoint(url: $0.apiBase) } },
        // A login is auth.test (Tier 4, 100+/min) then apps.connections.open (Tier 3, 50+ per minute per app). Every
        // app on one endpoint shares this budget, and one app may hold at most 10 sockets: 10 logins per 15 s keeps
        // a herd of apps well under 50 a minute (40) and lets a whole app's worth of sockets reconnect at once.
        loginBudget: LoginBudget(logins: 10, windowMillis: 15_000))
}

extension PlatformType {
    /// `type: slack`.
    public static let slack = PlatformType("slack")
}
