import GatewayNetworking
import GatewayCore
import Foundation

/// The parts of the Bot API's JSON the adapter reads and writes (https://core.telegram.org/bots/api).
///
/// Decoding is lenient where a strict decoder would wedge the stream: an update whose message has an unexpected
/// shape still decodes (without the message), so its `update_id` is confirmed instead of failing every poll.

/// `{"ok":…,"error_code":…,"description":…,"parameters":{…}}`, without the result.
struct TelegramEnvelopeHead: Decodable, Sendable {
    let ok: Bool
    let errorCode: Int?
    let description: String?
    let parameters: Parameters?

    struct Parameters: Decodable, Sendable {
        let retryAfter: Int?
        let migrateToChatID: Int64?

        enum CodingKeys: String, CodingKey {
            case retryAfter = "retry_after"
            case migrateToChatID = "migrate_to_chat_id"
        }
    }

    enum CodingKeys: String, CodingKey {
        case ok, description, parameters
        case errorCode = "error_code"
    }
}

/// `{"ok":true,"result":…}`.
struct TelegramEnvelope<Result: Decodable & Sendable>: Decodable, Sendable {
    let result: Result
}

package struct TelegramUser: Decodable, Sendable, Equatable {
    let id: Int64
    let isBot: Bool?
    let firstName: String?
    let lastName: String?
    let username: String?

    enum CodingKeys: String, CodingKey {
        case id, username
        case isBot = "is_bot"
        case firstName = "first_name"
        case lastName = "last_name"
    }

    init(id: Int64, isBot: Bool?, firstName: String?, lastName: String? = nil, username: String?) {
        self.id = id
        self.isBot = isBot
        self.firstName = firstName
        self.lastName = lastName
        self.username = username
    }
}

struct TelegramChat: Decodable, Sendable, Equatable {
    let id: Int64
    /// private, group, supergroup or channel.
    let type: String?
    let title: String?
    let username: String?
    let firstName: String?

    enum CodingKeys: String, CodingKey {
        case id, type, title, username
        case firstName = "first_name"
    }
}

package struct TelegramMessage: Decodable, Sendable, Equatable {
    let messageID: Int64
    let chat: TelegramChat
    let from: TelegramUser?
    let senderChat: TelegramChat?
    /// Unix seconds.
    let date: Int64?
    let editDate: Int64?
    let text: String?
    let caption: String?
    /// The id of the message this one answers (`reply_to_message.message_id`).
    let replyToMessageID: Int64?
    /// In a forum supergroup: the topic, and whether the message belongs to one.
    let messageThreadID: Int64?
    let isTopicMessage: Bool?
    /// The files it carries, by the field Telegram put them in.
    let media: TelegramMedia

    enum CodingKeys: String, CodingKey {
        case chat, from, date, text, caption
        case messageID = "message_id"
        case senderChat = "sender_chat"
        case editDate = "edit_date"
        case replyToMessage = "reply_to_message"
        case messageThreadID = "message_thread_id"
        case isTopicMessage = "is_topic_message"
    }

    /// The message's own fields strictly (a message without them is not one); what only enriches it — the reply,
    /// the topic, the files — leniently, so an unexpected shape there loses the detail, never the message.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        messageID = try container.decode(Int64.self, forKey: .messageID)
        chat = try container.decode(TelegramChat.self, forKey: .chat)
        from = try container.decodeIfPresent(TelegramUser.self, forKey: .from)
        senderChat = try container.decodeIfPresent(TelegramChat.self, forKey: .senderChat)
        date = try container.decodeIfPresent(Int64.self, forKey: .date)
        editDate = try container.decodeIfPresent(Int64.self, forKey: .editDate)
        text = try container.decodeIfPresent(String.self, forKey: .text)
        caption = try container.decodeIfPresent(String.self, forKey: .caption)
        replyToMessageID = (try? container.decodeIfPresent(Replied.self, forKey: .replyToMessage))?.messageID
        messageThreadID = try? container.decodeIfPresent(Int64.self, forKey: .messageThreadID)
        isTopicMessage = try? container.decodeIfPresent(Bool.self, forKey: .isTopicMessage)
        media = (try? TelegramMedia(from: decoder)) ?? TelegramMedia()
    }

    init(
        messageID: Int64, chat: TelegramChat, from: TelegramUser?, senderChat: TelegramChat?, date: Int64?,
        editDate: Int64?, text: String?, caption: String?, replyToMessageID: Int64? = nil, messageThreadID: Int64? = nil,
        isTopicMessage: Bool? = nil, media: TelegramMedia = TelegramMedia()
    ) {
        self.messageID = messageID
        self.chat = chat
        self.from = from
        self.senderChat = senderChat
        self.date = date
        self.editDate = editDate
        self.text = text
        self.caption = caption
        self.replyToMessageID = replyToMessageID
        self.messageThreadID = messageThreadID
        self.isTopicMessage = isTopicMessage
        self.media = media
    }

    private struct Replied: Decodable {
        let messageID: Int64
        enum CodingKeys: String, CodingKey { case messageID = "message_id" }
    }
}

package struct TelegramUpdate: Decodable, Sendable, Equatable {
    package let updateID: Int64
    let message: TelegramMessage?
    let editedMessage: TelegramMessage?
    let channelPost: TelegramMessage?

    enum CodingKeys: String, CodingKey {
        case message
        case updateID = "update_id"
        case editedMessage = "edited_message"
        case channelPost = "channel_post"
    }

    init(updateID: Int64, message: TelegramMessage? = nil, editedMessage: TelegramMessage? = nil, channelPost: TelegramMessage? = nil) {
        self.updateID = updateID
        self.message = message
        self.editedMessage = editedMessage
        self.channelPost = channelPost
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        updateID = try container.decode(Int64.self, forKey: .updateID)
        message = try? container.decodeIfPresent(TelegramMessage.self, forKey: .message)
        editedMessage = try? container.decodeIfPresent(TelegramMessage.self, forKey: .editedMessage)
        channelPost = try? container.decodeIfPresent(TelegramMessage.self, forKey: .channelPost)
    }
}

// MARK: - Requests

struct TelegramNoParameters: Encodable, Sendable {}

struct TelegramGetUpdates: Encodable, Sendable {
    let offset: Int64?
    let limit: Int
    let timeout: Int
    let allowedUpdates: [String]

    enum CodingKeys: String, CodingKey {
        case offset, limit, timeout
        case allowedUpdates = "allowed_updates"
    }
}

struct TelegramSendMessage: Encodable, Sendable {
    let chatID: TelegramChatID
    let text: String
    /// Threads the message under another (absent: not a reply).
    var replyParameters: TelegramReplyParameters?

    enum CodingKeys: String, CodingKey {
        case text
        case chatID = "chat_id"
        case replyParameters = "reply_parameters"
    }
}

/// A `chat_id` parameter: a 64-bit id, or `@channelusername`.
enum TelegramChatID: Encodable, Sendable, Equatable, Hashable {
    case id(Int64)
    case username(String)

    /// Parses a send target; nil when it is neither an integer nor `@name`.
    init?(target: String) {
        let trimmed = target.trimmingCharacters(in: .whitespacesAndNewlines)
        if let id = Int64(trimmed) {
            self = .id(id)
        } else if trimmed.hasPrefix("@"), trimmed.count > 1, !trimmed.contains(where: \.isWhitespace) {
            self = .username(trimmed)
        } else {
            return nil
        }
    }

    /// The pacing key, and the form used in message ids.
    var key: String {
        switch self {
        case .id(let id): String(id)
        case .username(let name): name
        }
    }

    /// Groups, supergroups and channels have negative ids; `@name` targets are public channels or supergroups.
    var isGroup: Bool {
        switch self {
        case .id(let id): id < 0
        case .username: true
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .id(let id): try container.encode(id)
        case .username(let name): try container.encode(name)
        }
    }
}
