import Foundation
import Testing

@testable import GatewayCore
@testable import GatewayDiscord
@testable import GatewayRuntime

/// MESSAGE_CREATE beyond its text — reply, names, chat kind, attachments — and replies that thread
/// (`message_reference`).
@Suite("Discord: replies, names, chat kinds and attachments", .serialized)
struct DiscordRichMessageTests {
    private func created(_ json: String) throws -> JSONValue {
        try #require(JSONValue(parsing: Data(json.utf8)))
    }

    @Test("a reply in a server channel: the answered id, the member's nickname, kind channel, files described")
    func replyInGuild() throws {
        let d = try created(#"""
            {"id":"1300","channel_id":"100","guild_id":"9","type":19,"content":"see this","flags":0,
             "timestamp":"2027-01-15T08:00:00.250000+00:00",
             "author":{"id":"7","username":"ada_l","global_name":"Ada L."},"member":{"nick":"Ada"},
             "message_reference":{"type":0,"message_id":"1299","channel_id":"100","guild_id":"9"},
             "attachments":[{"id":"555","filename":"plan.png","size":20480,"content_type":"image/png",
                             "url":"https://cdn.discordapp.com/attachments/100/555/plan.png?ex=1&is=2&hm=3"},
                            {"id":"556","filename":"notes.txt","size":12}],
             "sticker_items":[{"id":"777","name":"wave","format_type":1}]}
            """#)
        let message = try #require(DiscordInbound.message(d, platform: "dc", ownUserID: "1"))
        #expect(message.replyTo == "1299" && message.senderName == "Ada" && message.chatKind == .channel)
        #expect(message.attachments == [
            Attachment(kind: .image, fileName: "plan.png", size: 20_480, mimeType: "image/png", fileID: "555",
                       url: "https://cdn.discordapp.com/attachments/100/555/plan.png?ex=1&is=2&hm=3"),
            Attachment(kind: .file, fileName: "notes.txt", size: 12, fileID: "556"),
            Attachment(kind: .sticker, fileName: "wave", fileID: "777"),
        ])
    }

    @Test("a DM is private; the display name without a nickname; a forward (type 0 with a reference) is no reply")
    func directMessage() throws {
        let dm = try created(#"{"id":"2","channel_id":"300","type":0,"content":"hi","author":{"id":"7","username":"ada_l","global_name":"Ada L."}}"#)
        let message = try #require(DiscordInbound.message(dm, platform: "dc", ownUserID: "1"))
        #expect(message.chatKind == .private && message.senderName == "Ada L." && message.replyTo == nil && message.attachments.isEmpty)
        let forward = try created(#"{"id":"3","channel_id":"300","type":0,"content":"","author":{"id":"7","username":"ada_l"},"message_reference":{"type":1,"message_id":"40"}}"#)
        let forwarded = try #require(DiscordInbound.message(forward, platform: "dc", ownUserID: "1"))
        #expect(forwarded.replyTo == nil && forwarded.senderName == "ada_l")
    }

    @Test("a voice message's recording is a voice attachment; our own message is not inbound")
    func voiceAndOwn() throws {
        let voice = try created(#"{"id":"4","channel_id":"300","flags":8192,"content":"","author":{"id":"7","username":"u"},"attachments":[{"id":"9","filename":"voice-message.ogg","content_type":"audio/ogg","size":4000}]}"#)
        #expect(try #require(DiscordInbound.message(voice, platform: "dc", ownUserID: "1")).attachments.map(\.kind) == [.voice])
        let own = try created(#"{"id":"5","channel_id":"300","content":"me","author":{"id":"1","username":"bot"}}"#)
        #expect(DiscordInbound.message(own, platform: "dc", ownUserID: "1") == nil)
    }

    @Test("reply_to threads the first part with message_reference; the other parts follow unthreaded")
    func replyThreads() async throws {
        let f = try await DiscordFixture()
        try await f.g.waitFor("dc", .connected)
        let long = String(repeating: "b", count: 2_500)
        let sent = try await f.g.runner.router.send(OutgoingMessage(target: "100", text: long, replyTo: "1299"), on: "dc")
        #expect(sent.ids == ["posted-1", "posted-2"])
        #expect(await f.state.replies == [1: "1299"])
        await #expect(throws: AdapterError.self) {
            try await f.g.runner.router.send(OutgoingMessage(target: "100", text: "x", replyTo: "msg-1"), on: "dc")
        }
        #expect(await f.state.posts.count == 2, "a reply_to that is no snowflake is refused before any request")
        #expect(DiscordPlatform.kind.replyToProblem("msg-1")?.contains("not a Discord message") == true)
        #expect(DiscordPlatform.kind.replyToProblem("1299") == nil)
        try await f.finish()
    }
}
