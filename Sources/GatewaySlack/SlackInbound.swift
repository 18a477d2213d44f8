import GatewayCore

/// Maps an `events_api` envelope's payload (an `event_callback`) whose event is a `message`
/// (https://docs.slack.dev/reference/events/message) to an `InboundMessage`.
///
/// The id is `<channel>:<ts>`: `ts` is unique within a channel, and it is what `thread_ts` needs to answer it. Skipped
/// (nil): other event types; messages from bots — ours and others (`bot_id`, `subtype: bot_message`) — and from
/// the bot's own user; and every `subtype` but the ones a person writes: `thread_broadcast` (a reply also sent to
/// the channel), `file_share` (a message with files) and `me_message` (`/me`). Edits (`message_changed`),
/// deletions, joins, topic changes and the like are not new messages.
enum SlackInbound {
    static let keptSubtypes: Set<String> = ["thread_broadcast", "file_share", "me_message"]

    static func message(_ payload: SlackJSON, platform: String, ownUserID: String?) -> InboundMessage? {
        guard let event = payload["event"], event["type"]?.string == "message" else { return nil }
        if let subtype = event["subtype"]?.string, !keptSubtypes.contains(subtype) { return nil }
        guard event["bot_id"] == nil || event["bot_id"] == .null else { return nil }
        guard let user = event["user"]?.string, user != ownUserID,
            let channel = event["channel"]?.string, let ts = event["ts"]?.string, SlackTarget.isTimestamp(ts)
        else { return nil }
        let thread = event["thread_ts"]?.string
        return InboundMessage(
            platform: platform, id: "\(channel):\(ts)", chat: channel, sender: user, text: event["text"]?.string ?? "",
            sentAt: millis(ts), replyTo: thread.flatMap { $0 != ts ? "\(channel):\($0)" : nil },
            senderName: event["user_profile"]?["display_name"]?.string.flatMap { $0.isEmpty ? nil : $0 }
                ?? event["user_profile"]?["real_name"]?.string,
            chatKind: chatKind(event["channel_type"]?.string, channel: channel),
            attachments: attachments(event))
    }

    /// `1714557600.000200` → 1714557600000 (ms).
    static func millis(_ ts: String) -> Int64? {
        let parts = ts.split(separator: ".")
        guard parts.count == 2, let seconds = Int64(parts[0]), let micros = Int64(parts[1].prefix(6).padding(toLength: 6, withPad: "0", startingAt: 0))
        else { return nil }
        return seconds * 1_000 + micros / 1_000
    }

    /// `im` → private, `mpim` → group, `channel`/`group` → channel; without `channel_type`, from the id's letter.
    static func chatKind(_ type: String?, channel: String) -> ChatKind? {
        switch type ?? (channel.hasPrefix("D") ? "im" : channel.hasPrefix("C") ? "channel" : nil) {
        case "im": return .private
        case "mpim": return .group
        case "channel", "group": return .channel
        default: return nil
        }
    }

    /// Files (described; `url_private` needs the bot token to download, so it is kept as the URL, which holds none).
    static func attachments(_ event: SlackJSON) -> [Attachment] {
        (event["files"]?.array ?? []).compactMap { file in
            guard let id = file["id"]?.string else { return nil }
            let type = file["mimetype"]?.string
            return Attachment(
                kind: Attachment.kind(mimeType: type), fileName: file["name"]?.string, size: file["size"]?.int,
                mimeType: type, fileID: id, url: file["url_private"]?.string)
        }
    }
}
