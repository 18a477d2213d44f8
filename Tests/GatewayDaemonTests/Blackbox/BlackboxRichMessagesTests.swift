import Foundation
@testable import GatewayDiscord
import Testing

/// Replies, names, chat kinds and attachments end to end through the built binary: a reply with a photo from the
/// local Telegram server and a reply with a file from the local Discord gateway reach the inbox webhook and
/// `gatewayd inbox --json` with every field; the bot's answers — `POST /v1/messages` and `gatewayd send
/// --reply-to` — thread under them at the platforms (Telegram `reply_parameters`, Discord `message_reference`).
@Suite("Black box: replies and attachments, in and out")
struct BlackboxRichMessagesTests {
    @Test("inbound replies with files reach the webhook and inbox --json; replies sent with reply_to thread")
    func repliesThread() async throws {
        let gw = try Gatewayd()
        defer { gw.remove() }
        let telegram = try await TelegramTestServer.start(token: telegramTestToken)
        let discord = try await DiscordTestGateway(token: DiscordFixture.token)
        let consumer = WebhookReceiver()
        try await consumer.start()
        setenv("BB_RICH_TG", telegramTestToken, 1)
        setenv("BB_RICH_DC", DiscordFixture.token, 1)
        let config = try gw.config("""
            when_all_failed: stay
            inbox: { webhook: "\(consumer.url("/in"))" }
            platforms:
              tg: { type: telegram, token: ${BB_RICH_TG}, api_base: "\(telegram.apiBase)", poll_timeout: 1s }
              dc: { type: discord, token: ${BB_RICH_DC}, api_base: "\(discord.apiBase)" }
            """)
        await telegram.state.markExisting(chat: "-1001234", id: 17)
        await telegram.state.enqueue([
            "message": [
                "message_id": 18, "date": 1_800_000_000, "caption": "this one",
                "chat": ["id": -1_001_234, "type": "supergroup", "title": "Ops"] as [String: any Sendable],
                "from": ["id": 7, "is_bot": false, "first_name": "Ada", "last_name": "Lovelace"] as [String: any Sendable],
                "reply_to_message": ["message_id": 17, "chat": ["id": -1_001_234, "type": "supergroup"] as [String: any Sendable]] as [String: any Sendable],
                "photo": [
                    ["file_id": "small", "file_unique_id": "a", "width": 90, "height": 90, "file_size": 1_200] as [String: any Sendable],
                    ["file_id": "large", "file_unique_id": "b", "width": 1_280, "height": 1_280, "file_size": 210_000] as [String: any Sendable],
                ],
            ] as [String: any Sendable],
        ])
        await telegram.state.markExisting(chat: "-1001234", id: 18)
        let daemon = try gw.daemon(config, arguments: ["--http", "127.0.0.1:0"])
        let base = "http://127.0.0.1:\(try await daemon.httpPort())"
        try await waitUntil("the Discord session is up", every: .milliseconds(50)) {
            (try? await discord.state.dispatchMessage(channel: "100", content: "see the plan", extra: [
                "id": .string("1300"), "guild_id": .string("9"), "type": .int(19),
                "member": .object(["nick": .string("Ada")]),
                "message_reference": .object(["type": .int(0), "message_id": .string("1299")]),
                "attachments": .array([.object([
                    "id": .string("555"), "filename": .string("plan.pdf"), "size": .int(48_213),
                    "content_type": .string("application/pdf"), "url": .string("https://cdn.discordapp.com/attachments/100/555/plan.pdf?ex=1"),
                ])]),
            ])) != nil
        }
        let db = ["--db", gw.db]
        try await waitUntil("both messages are in the inbox", every: .milliseconds(50)) {
            try await gw.run(["inbox", "--json"] + db).stdout.split(separator: "\n").count == 2
        }
        let lines = try await gw.run(["inbox", "--json"] + db).stdout.split(separator: "\n").map(Self.object)
        let tg = try #require(lines.first { $0["platform"] as? String == "tg" })
        #expect(tg["message_id"] as? String == "-1001234:18" && tg["reply_to"] as? String == "-1001234:17")
        #expect(tg["sender_name"] as? String == "Ada Lovelace" && tg["chat_kind"] as? String == "group" && tg["text"] as? String == "this one")
        let photo = try #require((tg["attachments"] as? [[String: Any]])?.first)
        #expect(photo["kind"] as? String == "image" && photo["file_id"] as? String == "large" && photo["size"] as? Int == 210_000)
        #expect(photo["url"] is NSNull, "no Telegram file URL: it would hold the bot token")
        let dc = try #require(lines.first { $0["platform"] as? String == "dc" })
        #expect(dc["reply_to"] as? String == "1299" && dc["sender_name"] as? String == "Ada" && dc["chat_kind"] as? String == "channel")
        let file = try #require((dc["attachments"] as? [[String: Any]])?.first)
        #expect(file["file_name"] as? String == "plan.pdf" && file["mime_type"] as? String == "application/pdf" && file["kind"] as? String == "file")
        #expect((file["url"] as? String)?.hasPrefix("https://cdn.discordapp.com/") == true)
        let plain = try await gw.run(["inbox"] + db).stdout
        #expect(plain.contains("<Ada Lovelace (7)> this one  ↩ -1001234:17  [image 205.1 KiB]"), "\(plain)")

        // The README's sqlite3 recipe for files, exactly as written there.
        let readme = try String(contentsOf: repositoryRoot.appending(path: "README.md"), encoding: .utf8)
        let recipe = try #require(readme.components(separatedBy: "# Which files came in today, and from whom?\n").dropFirst().first?
            .components(separatedBy: "\n\n").first)
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", recipe.replacingOccurrences(of: "gateway.db", with: "'\(gw.db)'")]
        let pipe = Pipe()
        shell.standardOutput = pipe
        try shell.run()
        let table = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        shell.waitUntilExit()
        #expect(shell.terminationStatus == 0 && table.contains("Ada Lovelace") && table.contains("plan.pdf") && table.contains("210000"), "\(table)")

        // The webhook carries the same body as inbox --json.
        try await waitUntil("the consumer has both", every: .milliseconds(50)) { consumer.accepted.count >= 2 }
        let delivered = try consumer.accepted.map { try Self.object(Substring(String(decoding: $0.body, as: UTF8.self))) }
        for line in lines {
            let same = delivered.first { $0["message_id"] as? String == line["message_id"] as? String }
            #expect(same.map { NSDictionary(dictionary: $0) == NSDictionary(dictionary: line) } == true, "\(line)")
        }

        // Answers thread: by POST /v1/messages (a batch, one to each platform), and by gatewayd send --reply-to.
        let post = try await http(.POST, base + "/v1/messages", body: #"""
            [{"platform":"tg","target":"-1001234","text":"answer","reply_to":"-1001234:18"},
             {"platform":"dc","target":"100","text":"answer","reply_to":"1300"},
             {"platform":"tg","target":"-1001234","text":"to a deleted message","reply_to":"-1001234:999"}]
            """#)
        #expect(post.status == 202, "\(post.body)")
        let sent = try await gw.run(["send"] + db + ["--reply-to=-1001234:17", "tg", "--", "-1001234", "second answer"])
        #expect(sent.status == 0, "\(sent.stderr)")
        let snowflake = try await gw.run(["send"] + db + ["--reply-to", "1300", "dc", "100", "x"])
        #expect(snowflake.status == 0, "a snowflake is a Discord message id: \(snowflake.stderr)")
        let bad = try await gw.run(["send"] + db + ["--reply-to", "msg-1", "dc", "100", "x"])
        #expect(bad.status == 1 && bad.stderr.contains("reply_to 'msg-1' is not a Discord message"), "\(bad.stderr)")
        let badPost = try await http(.POST, base + "/v1/messages", body: #"{"platform":"tg","target":"42","text":"x","reply_to":"abc"}"#)
        #expect(badPost.status == 400 && badPost.body.contains("is not a Telegram message"), "\(badPost.body)")

        try await waitUntil("everything is sent", every: .milliseconds(50)) {
            let count = await telegram.state.sent.count
            let posts = await discord.state.posts.count
            return count == 3 && posts == 2
        }
        let atTelegram = await telegram.state.sent
        #expect(atTelegram.map(\.text) == ["answer", "to a deleted message", "second answer"])
        #expect(atTelegram.map(\.replyTo) == [18, nil, 17], "threaded; the reply to a deleted message was still sent")
        #expect(await discord.state.replies == [1: "1300", 2: "1300"])
        let outbox = try await gw.run(["outbox", "--all", "--json"] + db)
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(outbox.stdout.utf8)) as? [[String: Any]])
        #expect(entries.compactMap { $0["reply_to"] as? String } == ["-1001234:18", "1300", "-1001234:999", "-1001234:17", "1300"])

        daemon.kill(SIGTERM)
        #expect(await daemon.finished().status == 0)
        consumer.stop()
        await telegram.stop()
        await discord.stop()
    }

    static func object(_ line: Substring) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }
}
