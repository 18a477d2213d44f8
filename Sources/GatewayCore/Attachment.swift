/// A file that came with a received message — its description only, never its bytes: what it is, its name and
/// size when the platform says, and how to fetch it from the platform (a file id, or a URL when the platform gives
/// one that carries no credential of ours).
public struct Attachment: Sendable, Equatable, Codable {
    /// What the platform says the file is.
    public enum Kind: String, Sendable, Equatable, Codable, CaseIterable {
        case image, video, audio, voice, sticker, file
    }

    public var kind: Kind
    public var fileName: String?
    /// Bytes, when the platform says.
    public var size: Int64?
    public var mimeType: String?
    /// The platform's id of the file (Telegram's `file_id`, to pass to `getFile`; Discord's attachment id).
    public var fileID: String?
    /// Where the platform serves it, when that URL holds no secret (Discord's CDN URL; never Telegram's, which
    /// embeds the bot token).
    public var url: String?

    public init(
        kind: Kind, fileName: String? = nil, size: Int64? = nil, mimeType: String? = nil, fileID: String? = nil,
        url: String? = nil
    ) {
        self.kind = kind
        self.fileName = fileName
        self.size = size
        self.mimeType = mimeType
        self.fileID = fileID
        self.url = url
    }

    enum CodingKeys: String, CodingKey {
        case kind, size, url
        case fileName = "file_name"
        case mimeType = "mime_type"
        case fileID = "file_id"
    }

    /// Every key, `null` when unknown (the webhook's schema requires them all).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(fileName, forKey: .fileName)
        try container.encode(size, forKey: .size)
        try container.encode(mimeType, forKey: .mimeType)
        try container.encode(fileID, forKey: .fileID)
        try container.encode(url, forKey: .url)
    }

    /// The kind a MIME type suggests (`image/png` → image); `file` when it suggests none.
    public static func kind(mimeType: String?) -> Kind {
        switch mimeType?.split(separator: "/").first?.lowercased() {
        case "image": .image
        case "video": .video
        case "audio": .audio
        default: .file
        }
    }
}

/// What kind of conversation a message arrived in.
public enum ChatKind: String, Sendable, Equatable, Codable, CaseIterable {
    /// One to one with the bot: a Telegram private chat, a Discord DM, an IRC query.
    case `private`
    /// A conversation of several people: a Telegram group or supergroup.
    case group
    /// A channel: a Telegram channel, a Discord server channel, an IRC channel.
    case channel
}
