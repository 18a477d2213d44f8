import GatewayNetworking
import GatewayCore

/// Maps Bot API updates to `InboundMessage`s and chats to directory entries.
///
/// Message ids are `"<chat_id>:<message_id>"` — the pair Telegram itself uses to address a message (replies,
/// edits, deletes) and unique for as long as the chat exists. A redelivered update yields the same id, so it
/// deduplicates. An edit of that message is `"<chat_id>:<message_id>:edit:<edit_date>"`: a new event, not a
/// duplicate of the original. `update_id` is not used as the id: it is the stream position (the cursor), and
/// Telegram restarts it from a random value after a week without updates.
package enum TelegramInbound {
    /// The message an update carries (message, edited_message or channel_post with text, a caption or a file), or
    /// nil.
    package static func message(from update: TelegramUpdate, platform: String) -> InboundMessage? {
        let edited = update.message == nil && update.channelPost == nil && update.editedMessage != nil
        guard let message = update.message ?? update.channelPost ?? update.editedMessage else { return nil }
        let attachments = message.media.attachments
        guard let text = message.text ?? message.caption ?? (attachments.isEmpty ? nil : "") else { return nil }
        var id = "\(message.chat.id):\(message.messageID)"
        if edited { id += ":edit:\(message.editDate ?? update.updateID)" }
        let sender = message.from?.id ?? message.senderChat?.id ?? message.chat.id
        let seconds = edited ? (message.editDate ?? message.date) : message.date
        return InboundMessage(
            platform: platform, id: id, chat: String(message.chat.id), sender: String(sender), text: text,
            sentAt: seconds.flatMap { (seconds: Int64) -> Int64? in
                let (millis, overflow) = seconds.multipliedReportingOverflow(by: 1_000)  // a nonsense date is dropped
                return overflow ? nil : millis
            },
            replyTo: replyTo(message), senderName: senderName(message), chatKind: chatKind(message.chat.type),
            attachments: attachments)
    }

    /// The answered message's id (`<chat_id>:<message_id>`). In a forum topic every message carries the topic's
    /// first message as `reply_to_message`; that is not a reply.
    static func replyTo(_ message: TelegramMessage) -> String? {
        guard let replied = message.replyToMessageID else { return nil }
        if message.isTopicMessage == true, replied == message.messageThreadID { return nil }
        return "\(message.chat.id):\(replied)"
    }

    /// The user's full name; for a post on behalf of a chat (a channel, an anonymous admin) the chat's title.
    static func senderName(_ message: TelegramMessage) -> String? {
        if let chat = message.senderChat { return chat.title ?? chat.username.map { "@\($0)" } }
        if let user = message.from {
            let name = [user.firstName, user.lastName].compactMap { $0 }.joined(separator: " ")
            return name.isEmpty ? user.username : name
        }
        return message.chat.title
    }

    static func chatKind(_ type: String?) -> ChatKind? {
        switch type {
        case "private": .private
        case "group", "supergroup": .group
        case "channel": .channel
        default: nil
        }
    }

    /// The chat an update happened in, whatever its kind.
    static func chat(of update: TelegramUpdate) -> TelegramChat? {
        (update.message ?? update.channelPost ?? update.editedMessage)?.chat
    }

    /// A directory entry: id is the chat id (what `send` takes), name the title, @username or first name.
    static func channel(for chat: TelegramChat) -> ChannelEntry {
        let name = chat.title ?? chat.username.map { "@\($0)" } ?? chat.firstName ?? String(chat.id)
        return ChannelEntry(id: String(chat.id), name: name, kind: chat.type ?? (chat.id < 0 ? "group" : "private"))
    }
}
