import Foundation
import Testing

@testable import GatewayCore
@testable import GatewayTelegram

/// Bot API messages beyond their text — reply, names, chat kind, files — decoded from the documented JSON, and the
/// `reply_parameters` a reply is sent with.
@Suite("Telegram: replies, names, chat kinds and attachments")
struct TelegramRichMessageTests {
    private func inbound(_ update: String) throws -> InboundMessage? {
        let decoded = try JSONDecoder().decode(TelegramUpdate.self, from: Data(update.utf8))
        return TelegramInbound.message(from: decoded, platform: "tg")
    }

    @Test("a reply with a photo in a supergroup: the answered id, the full name, kind group, the largest size, no URL")
    func replyWithPhoto() throws {
        let message = try #require(try inbound(#"""
            {"update_id":1,"message":{"message_id":18,"date":1800000000,"caption":"this one",
             "chat":{"id":-1001234,"type":"supergroup","title":"Ops"},
             "from":{"id":7,"is_bot":false,"first_name":"Ada","last_name":"Lovelace","username":"ada"},
             "reply_to_message":{"message_id":17,"date":1799999990,"chat":{"id":-1001234,"type":"supergroup"},"text":"which?"},
             "photo":[{"file_id":"small","file_unique_id":"a","width":90,"height":90,"file_size":1200},
                      {"file_id":"large","file_unique_id":"b","width":1280,"height":1280,"file_size":210000}]}}
            """#))
        #expect(message.id == "-1001234:18" && message.text == "this one")
        #expect(message.replyTo == "-1001234:17", "the answered message's id, in the form inbound ids take")
        #expect(message.senderName == "Ada Lovelace" && message.chatKind == .group)
        #expect(message.attachments == [Attachment(kind: .image, size: 210_000, fileID: "large")])
    }

    @Test("in a forum topic the topic's starter is no reply; an explicit reply in a topic is")
    func forumTopics() throws {
        let inTopic = try #require(try inbound(#"""
            {"update_id":2,"message":{"message_id":50,"message_thread_id":40,"is_topic_message":true,"text":"hello topic",
             "chat":{"id":-1005,"type":"supergroup","is_forum":true},"from":{"id":7,"first_name":"Ada"},
             "reply_to_message":{"message_id":40,"chat":{"id":-1005,"type":"supergroup"}}}}
            """#))
        #expect(inTopic.replyTo == nil)
        let reply = try #require(try inbound(#"""
            {"update_id":3,"message":{"message_id":51,"message_thread_id":40,"is_topic_message":true,"text":"re",
             "chat":{"id":-1005,"type":"supergroup","is_forum":true},"from":{"id":7,"first_name":"Ada"},
             "reply_to_message":{"message_id":50,"chat":{"id":-1005,"type":"supergroup"}}}}
            """#))
        #expect(reply.replyTo == "-1005:50")
    }

    @Test("a file without a caption arrives with empty text; an animation (also sent as a document) is one video")
    func filesWithoutText() throws {
        let document = try #require(try inbound(#"""
            {"update_id":4,"message":{"message_id":5,"chat":{"id":42,"type":"private","first_name":"Ada"},"from":{"id":42,"first_name":"Ada"},
             "document":{"file_id":"doc-1","file_unique_id":"u","file_name":"report.pdf","mime_type":"application/pdf","file_size":48213}}}
            """#))
        #expect(document.text == "" && document.chatKind == .private)
        #expect(document.attachments == [Attachment(kind: .file, fileName: "report.pdf", size: 48_213, mimeType: "application/pdf", fileID: "doc-1")])
        let gif = try #require(try inbound(#"""
            {"update_id":5,"message":{"message_id":6,"chat":{"id":42,"type":"private"},"from":{"id":42,"first_name":"Ada"},
             "animation":{"file_id":"anim","file_unique_id":"u","width":1,"height":1,"duration":1,"mime_type":"video/mp4"},
             "document":{"file_id":"anim","file_unique_id":"u","mime_type":"video/mp4"}}}
            """#))
        #expect(gif.attachments == [Attachment(kind: .video, mimeType: "video/mp4", fileID: "anim")])
        let voice = try #require(try inbound(#"""
            {"update_id":6,"message":{"message_id":7,"chat":{"id":42,"type":"private"},"from":{"id":42,"first_name":"Ada"},
             "voice":{"file_id":"v","file_unique_id":"u","duration":3,"mime_type":"audio/ogg","file_size":5000}}}
            """#))
        #expect(voice.attachments.map(\.kind) == [.voice])
    }

    @Test("a malformed file loses the file, never the message; nothing to show (a sticker without file_id) is no message")
    func lenientFiles() throws {
        let kept = try #require(try inbound(#"""
            {"update_id":7,"message":{"message_id":8,"text":"still here","chat":{"id":42,"type":"private"},"photo":"not an array",
             "reply_to_message":"not an object","document":{"file_name":"no id"}}}
            """#))
        #expect(kept.text == "still here" && kept.attachments.isEmpty && kept.replyTo == nil)
        #expect(try inbound(#"{"update_id":8,"message":{"message_id":9,"chat":{"id":42},"sticker":{}}}"#) == nil)
    }

    @Test("a channel post is by the channel: its title is the sender's name, the kind is channel")
    func channelPost() throws {
        let post = try #require(try inbound(#"""
            {"update_id":9,"channel_post":{"message_id":3,"text":"news","chat":{"id":-1009,"type":"channel","title":"Releases"},
             "sender_chat":{"id":-1009,"type":"channel","title":"Releases"}}}
            """#))
        #expect(post.senderName == "Releases" && post.chatKind == .channel && post.sender == "-1009")
    }

    @Test("reply_parameters from a reply_to: an inbox id of this chat, of another chat, an edit's id, a bare id")
    func replyParameters() throws {
        let chat = try #require(TelegramChatID(target: "42"))
        let same = try #require(TelegramReplyParameters(replyTo: "42:17", target: chat))
        #expect(same.messageID == 17 && same.chatID == nil)
        let other = try #require(TelegramReplyParameters(replyTo: "-1001234:5", target: chat))
        #expect(other.messageID == 5 && other.chatID == .id(-1_001_234))
        #expect(TelegramReplyParameters(replyTo: "42:17:edit:1800000060", target: chat)?.messageID == 17)
        #expect(TelegramReplyParameters(replyTo: "17", target: chat)?.chatID == nil)
        for bad in ["x", "42:", ":17", "0", "42:17:x", "42:-3"] {
            #expect(TelegramReplyParameters(replyTo: bad, target: chat) == nil, "\(bad)")
            #expect(TelegramPlatform.kind.replyToProblem(bad) != nil, "\(bad)")
        }
        let body = try JSONEncoder().encode(TelegramSendMessage(chatID: chat, text: "hi", replyParameters: other))
        let json = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        let parameters = try #require(json["reply_parameters"] as? [String: Any])
        #expect(parameters["message_id"] as? Int == 5 && parameters["chat_id"] as? Int == -1_001_234)
        #expect(parameters["allow_sending_without_reply"] as? Bool == true)
        let plain = try JSONEncoder().encode(TelegramSendMessage(chatID: chat, text: "hi"))
        #expect(!String(decoding: plain, as: UTF8.self).contains("reply_parameters"))
    }
}
