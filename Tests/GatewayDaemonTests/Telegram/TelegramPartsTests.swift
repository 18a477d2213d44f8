import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayTelegram
@testable import GatewayDaemon
@testable import GatewayRuntime

/// Settings, envelope decoding and update mapping, without a network.
@Suite("Telegram parts")
struct TelegramPartsTests {
    private func config(_ options: [String: ConfigValue] = [:], token: String? = telegramTestToken) -> PlatformConfig {
        PlatformConfig(
            name: "tg", type: .telegram, options: options, secrets: token.map { ["token": Secret($0)] } ?? [:])
    }

    private var settings: TelegramSettings {
        TelegramSettings(token: Secret(telegramTestToken), apiBase: "http://127.0.0.1:1", pollTimeoutSeconds: 1, requestTimeoutMillis: 1_000)
    }

    // MARK: - Settings

    @Test("defaults: api.telegram.org, 50 s long poll, 10 s margin; deadlines derive from them")
    func defaults() throws {
        let s = try TelegramSettings(config())
        #expect(s.apiBase == "https://api.telegram.org" && s.pollTimeoutSeconds == 50 && s.requestTimeoutMillis == 10_000)
        #expect(s.pollDeadlineMillis == 60_000 && s.watchdogMillis == 120_000)
        #expect(s.url(.getMe) == "https://api.telegram.org/bot\(telegramTestToken)/getMe")
    }

    @Test("api_base may be plain HTTP with a port; a trailing slash is dropped")
    func selfHosted() throws {
        let s = try TelegramSettings(config(["api_base": .string("http://10.0.0.5:8081/"), "poll_timeout": .duration(millis: 25_000)]))
        #expect(s.url(.getUpdates) == "http://10.0.0.5:8081/bot\(telegramTestToken)/getUpdates" && s.pollTimeoutSeconds == 25)
    }

    @Test("settings that cannot work are config errors (auth: they need a human)", arguments: [
        ["api_base": ConfigValue.string("api.telegram.org")],
        ["api_base": .string("https://")],
        ["poll_timeout": .duration(millis: 60_000)],
        ["poll_timeout": .duration(millis: 500)],
        ["request_timeout": .duration(millis: 10)],
    ])
    func invalid(_ options: [String: ConfigValue]) {
        do {
            _ = try TelegramSettings(config(options))
            Issue.record("accepted \(options)")
        } catch {
            #expect(error.errorClass == .auth && error.code == "config")
        }
    }

    @Test("the redactor scrubs the token and its secret half, however it is encoded")
    func redactor() {
        let scrubbed = settings.redactor.scrub("GET /bot\(telegramTestToken)/getMe and /bot123456%3A\(telegramTestSecretHalf)/x")
        #expect(!scrubbed.contains(telegramTestSecretHalf) && scrubbed.contains("/bot<redacted>/getMe"))
    }

    // MARK: - Envelope

    private func decode(_ json: String, status: Int = 200, method: TelegramMethod = .getMe) -> Result<TelegramUser, TelegramFailure> {
        Result { () throws(TelegramFailure) in try TelegramClient(settings: settings).decode(Data(json.utf8), status: status, method: method) }
    }

    @Test("ok: the result decodes")
    func okEnvelope() throws {
        let user = try decode(#"{"ok":true,"result":{"id":123456,"is_bot":true,"first_name":"T","username":"t_bot"}}"#).get()
        #expect(user.id == 123_456 && user.username == "t_bot")
    }

    @Test("errors keep status, description, retry_after and migrate_to_chat_id; descriptions are redacted")
    func errorEnvelopes() {
        let limited = decode(#"{"ok":false,"error_code":429,"description":"Too Many Requests","parameters":{"retry_after":7}}"#, status: 429)
        #expect(limited == .failure(.api(method: .getMe, status: 429, description: "Too Many Requests", retryAfterSeconds: 7)))
        let migrated = decode(#"{"ok":false,"error_code":400,"description":"moved","parameters":{"migrate_to_chat_id":-1001234567890}}"#, status: 400, method: .sendMessage)
        #expect(migrated == .failure(.api(method: .sendMessage, status: 400, description: "moved", migrateTo: -1_001_234_567_890)))
        let echoed = decode(#"{"ok":false,"error_code":401,"description":"bad /bot\#(telegramTestToken)/getMe"}"#, status: 401)
        #expect(echoed == .failure(.api(method: .getMe, status: 401, description: "bad /bot<redacted>/getMe")))
    }

    @Test("not the envelope: invalid JSON on 200, the HTTP status otherwise; the snippet is redacted")
    func notTheEnvelope() {
        #expect(decode("<html>\(telegramTestToken)</html>") == .failure(.invalidResponse(method: .getMe, status: 200, detail: "<html><redacted></html>")))
        #expect(decode("<html>Bad Gateway</html>", status: 502) == .failure(.api(method: .getMe, status: 502, description: "HTTP 502 without a Bot API body")))
        #expect(decode(#"{"ok":true,"result":[1,2]}"#) == .failure(.invalidResponse(method: .getMe, status: 200, detail: "the result has an unexpected shape")))
    }

    @Test("an update whose message has an unexpected shape still decodes, so its offset can be confirmed")
    func lenientUpdates() throws {
        let json = #"[{"update_id":10,"message":{"message_id":"not a number"}},{"update_id":11,"poll":{}}]"#
        let updates = try JSONDecoder().decode([TelegramUpdate].self, from: Data(json.utf8))
        #expect(updates.map(\.updateID) == [10, 11] && updates.allSatisfy { $0.message == nil })
    }

    // MARK: - Mapping

    private func message(_ id: Int64, chat: Int64, text: String?, from: Int64? = 7, edit: Int64? = nil) -> TelegramMessage {
        TelegramMessage(
            messageID: id, chat: TelegramChat(id: chat, type: nil, title: nil, username: nil, firstName: nil),
            from: from.map { TelegramUser(id: $0, isBot: false, firstName: nil, username: nil) }, senderChat: nil,
            date: 1_800_000_000, editDate: edit, text: text, caption: nil)
    }

    @Test("ids: chat:message for messages and channel posts, :edit:<edit_date> for edits; no text, no message")
    func mapping() throws {
        let plain = try #require(TelegramInbound.message(from: TelegramUpdate(updateID: 1, message: message(5, chat: 42, text: "hi")), platform: "tg"))
        #expect(plain == InboundMessage(platform: "tg", id: "42:5", chat: "42", sender: "7", text: "hi", sentAt: 1_800_000_000_000))
        let edit = try #require(TelegramInbound.message(
            from: TelegramUpdate(updateID: 2, editedMessage: message(5, chat: 42, text: "hi!", edit: 1_800_000_060)), platform: "tg"))
        #expect(edit.id == "42:5:edit:1800000060" && edit.sentAt == 1_800_000_060_000)
        let post = try #require(TelegramInbound.message(
            from: TelegramUpdate(updateID: 3, channelPost: message(9, chat: -10_077, text: "news", from: nil)), platform: "tg"))
        #expect(post.id == "-10077:9" && post.sender == "-10077")
        #expect(TelegramInbound.message(from: TelegramUpdate(updateID: 4, message: message(6, chat: 42, text: nil)), platform: "tg") == nil)
    }

    @Test("send targets: 64-bit ids and @usernames; anything else is refused")
    func targets() {
        #expect(TelegramChatID(target: "-1001234567890123") == .id(-1_001_234_567_890_123))
        #expect(TelegramChatID(target: "@my_channel") == .username("@my_channel"))
        #expect(TelegramChatID(target: "@") == nil && TelegramChatID(target: "general") == nil)
        #expect(TelegramChatID.id(-5).isGroup && !TelegramChatID.id(5).isGroup)
    }
}
