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
    /// The message an update carries (message, edited_message or channel_post with text or a caption), or nil.
    package static func message(from update: TelegramUpdate, platform: String) -> InboundMessage? {
        let edited = update.message == nil && update.channelPost == nil && update.editedMessage != nil
        guard let message = update.message ?? update.channelPost ?? update.editedMessage,
            let text = message.text ?? message.caption
        else { return nil }
        var id = "\(message.chat.id):\(message.messageID)"
        if edited { id += ":edit:\(message.editDate ?? update.updateID)" }
        let sender = message.from?.id ?? message.senderChat?.id ?? message.chat.id
        let seconds = edited ? (message.editDate ?? message.date) : message.date
        return InboundMessage(
            platform: platform, id: id, chat: String(message.chat.id), sender: String(sender), text: text,
            sentAt: seconds.flatMap { (seconds: Int64) -> Int64? in
                let (millis, overflow) = seconds.multipliedReportingOverflow(by: 1_000)  // a nonsense date is dropped
                return overflow ? nil : millis
            })
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
