import GatewayCore

/// The files a Bot API message carries (https://core.telegram.org/bots/api#message), each field decoded on its
/// own: a malformed one is skipped, the others kept.
package struct TelegramMedia: Decodable, Sendable, Equatable {
    /// The sizes of one photo, smallest first.
    var photo: [TelegramFile] = []
    var document: TelegramFile?
    var animation: TelegramFile?
    var video: TelegramFile?
    var videoNote: TelegramFile?
    var audio: TelegramFile?
    var voice: TelegramFile?
    var sticker: TelegramFile?

    enum CodingKeys: String, CodingKey {
        case photo, document, animation, video, audio, voice, sticker
        case videoNote = "video_note"
    }

    init() {}

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func file(_ key: CodingKeys) -> TelegramFile? { (try? container.decodeIfPresent(TelegramFile.self, forKey: key)) ?? nil }
        photo = (try? container.decodeIfPresent([TelegramFile].self, forKey: .photo)) ?? []
        document = file(.document)
        animation = file(.animation)
        video = file(.video)
        videoNote = file(.videoNote)
        audio = file(.audio)
        voice = file(.voice)
        sticker = file(.sticker)
    }

    /// As attachments. A photo is its largest size (Telegram lists them smallest first). An animation also arrives
    /// as a `document` of the same file: it is one attachment. No URL: Telegram's download URL holds the bot token,
    /// so the consumer fetches the file with `getFile(file_id)` itself.
    var attachments: [Attachment] {
        var found: [Attachment] = []
        if let largest = photo.last { found.append(largest.attachment(.image)) }
        if let animation { found.append(animation.attachment(.video)) } else if let document {
            found.append(document.attachment(.file))
        }
        for (file, kind) in [(video, Attachment.Kind.video), (videoNote, .video), (audio, .audio), (voice, .voice), (sticker, .sticker)] {
            if let file { found.append(file.attachment(kind)) }
        }
        return found
    }
}

/// A file's description (PhotoSize, Document, Video, Audio, Voice, Sticker, …: they share these fields).
struct TelegramFile: Decodable, Sendable, Equatable {
    let fileID: String
    let fileSize: Int64?
    let fileName: String?
    let mimeType: String?

    enum CodingKeys: String, CodingKey {
        case fileID = "file_id", fileSize = "file_size", fileName = "file_name", mimeType = "mime_type"
    }

    func attachment(_ kind: Attachment.Kind) -> Attachment {
        Attachment(kind: kind, fileName: fileName, size: fileSize, mimeType: mimeType, fileID: fileID)
    }
}

/// `reply_parameters` of `sendMessage` (Bot API 7.0): the message answered, in this chat unless `chat_id` names
/// another; `allow_sending_without_reply` so a deleted original does not cost the reply itself.
struct TelegramReplyParameters: Encodable, Sendable, Equatable {
    let messageID: Int64
    let chatID: TelegramChatID?
    let allowSendingWithoutReply = true

    enum CodingKeys: String, CodingKey {
        case messageID = "message_id", chatID = "chat_id", allowSendingWithoutReply = "allow_sending_without_reply"
    }

    /// Why `replyTo` names no Telegram message, in words.
    static func rule(_ replyTo: String) -> String {
        "reply_to '\(String(replyTo.prefix(60)))' is not a Telegram message: it is an inbox message_id (<chat_id>:<message_id>) or a message id"
    }

    /// From a `reply_to`: an inbound id (`<chat_id>:<message_id>`, also with an `:edit:…` suffix) or a bare
    /// message id in the target chat; nil when it is neither.
    init?(replyTo: String, target: TelegramChatID) {
        let parts = replyTo.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 1, let id = Int64(parts[0]), id > 0 {
            messageID = id
            chatID = nil
        } else if parts.count >= 2, (parts.count == 2 || parts[2] == "edit"), let chat = TelegramChatID(target: String(parts[0])),
            let id = Int64(parts[1]), id > 0
        {
            messageID = id
            chatID = chat == target ? nil : chat
        } else {
            return nil
        }
    }
}
