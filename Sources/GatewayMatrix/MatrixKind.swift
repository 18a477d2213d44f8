import GatewayCore

/// The Matrix client-server API platform (`type: matrix`).
///
/// ```yaml
/// mx: { type: matrix, homeserver: "https://matrix.example.org", access_token: ${MX_TOKEN}, rooms: ["#ops:example.org"] }
/// ```
public enum MatrixPlatform {
    public static let kind = PlatformKind(
        type: .matrix,
        keys: [
            "homeserver": .required(.string),
            "access_token": .required(.secret),
            "rooms": .optional(.stringList),
            "device_id": .optional(.string),
            "sync_timeout": .optional(.duration),
            "request_timeout": .optional(.duration),
        ],
        targetProblem: { MatrixIDs.isRoomTarget($0) ? nil : MatrixIDs.targetRule($0) },
        replyToProblem: { MatrixIDs.isEventID($0) ? nil : MatrixIDs.replyRule($0) },
        checkSettings: { platform throws(AdapterError) in _ = try MatrixSettings(platform) },
        maker: {
            AdapterMaker { platform, context in MatrixAdapter(settings: try MatrixSettings(platform), context: context) }
        },
        endpoint: { platform in (try? MatrixSettings(platform)).flatMap { Endpoint(url: $0.homeserver) } },
        // A connect is one `whoami`, one snapshot `/sync` (timeout 0) and a `join` per configured room the account is
        // not in yet; it never calls `/login` (we hold an access token), so Synapse's `rc_login` (0.17/s, burst 3)
        // does not apply, and `rc_joins` is per user. What is left to protect is the homeserver itself when many
        // bots on it reconnect at once: 10 connects per second per homeserver, each a few cheap requests.
        loginBudget: LoginBudget(logins: 10, windowMillis: 1_000))
}

extension PlatformType {
    /// `type: matrix`.
    public static let matrix = PlatformType("matrix")
}
