import GatewayCore

/// Maps a `MESSAGE_CREATE` dispatch (https://discord.com/developers/docs/resources/message#message-object) to an
/// `InboundMessage`: id, channel and author as they are; our own messages are not inbound.
enum DiscordInbound {
    /// Message type 19: a reply (its `message_reference` names the answered message).
    static let replyType: Int64 = 19
    /// Message flag 1 << 13: a voice message (its one attachment is the recording).
    static let voiceMessageFlag: Int64 = 1 << 13

    static func message(_ d: JSONValue, platform: String, ownUserID: String?) -> InboundMessage? {
        guard let id = d["id"]?.stringValue, let channel = d["channel_id"]?.stringValue,
            let author = d["author"]?["id"]?.stringValue, author != ownUserID
        else { return nil }
        return InboundMessage(
            platform: platform, id: id, chat: channel, sender: author, text: d["content"]?.stringValue ?? "",
            sentAt: d["timestamp"]?.stringValue.flatMap(DiscordAdapter.millis),
            replyTo: d["type"]?.intValue == replyType ? d["message_reference"]?["message_id"]?.stringValue : nil,
            senderName: senderName(d),
            // A guild message has its guild; a bot sees no group DMs, so anything else is a DM.
            chatKind: d["guild_id"]?.stringValue == nil ? .private : .channel,
            attachments: attachments(d))
    }

    /// The member's server nickname, else the user's display name, else the username.
    static func senderName(_ d: JSONValue) -> String? {
        d["member"]?["nick"]?.stringValue ?? d["author"]?["global_name"]?.stringValue ?? d["author"]?["username"]?.stringValue
    }

    /// Attachments (kind from the content type; a voice message's recording is `voice`), then stickers.
    static func attachments(_ d: JSONValue) -> [Attachment] {
        let voice = (d["flags"]?.intValue ?? 0) & voiceMessageFlag != 0
        var found: [Attachment] = (d["attachments"]?.arrayValue ?? []).compactMap { file in
            guard let id = file["id"]?.stringValue else { return nil }
            let type = file["content_type"]?.stringValue
            return Attachment(
                kind: voice ? .voice : Attachment.kind(mimeType: type), fileName: file["filename"]?.stringValue,
                size: file["size"]?.intValue, mimeType: type, fileID: id, url: file["url"]?.stringValue)
        }
        for sticker in d["sticker_items"]?.arrayValue ?? [] {
            guard let id = sticker["id"]?.stringValue else { continue }
            found.append(Attachment(kind: .sticker, fileName: sticker["name"]?.stringValue, fileID: id))
        }
        return found
    }
}
