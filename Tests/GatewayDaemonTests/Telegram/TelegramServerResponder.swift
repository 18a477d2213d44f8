import Foundation
import Hummingbird
import NIOCore

/// Answers one Bot API request: `POST /bot{token}/{method}` with a JSON body, like api.telegram.org does.
struct TelegramServerResponder: Sendable {
    let state: TelegramServerState

    func respond(to request: Request, context: TelegramServerContext) async throws -> Response {
        let segments = request.uri.path.split(separator: "/")
        guard segments.count == 2, segments[0].hasPrefix("bot") else {
            return reply(404, TelegramServerJSON.error(status: 404, description: "Not Found"))
        }
        let method = String(segments[1])
        await state.record(method)
        guard segments[0].dropFirst(3) == state.token else {
            return reply(401, TelegramServerJSON.error(status: 401, description: "Unauthorized"))
        }
        let body = Data(try await request.body.collect(upTo: 1 << 20).readableBytesView)
        let pollParameters = (try? JSONDecoder().decode(GetUpdatesParameters.self, from: body)) ?? GetUpdatesParameters()
        if method == "getUpdates" {
            await state.recordPoll(.init(
                offset: pollParameters.offset, limit: pollParameters.limit ?? 100, timeout: pollParameters.timeout ?? 0))
        }
        if let fault = await state.takeFault(for: method) {
            if fault == .acceptThenHang, method == "sendMessage" {
                _ = await sendMessage(body)
                await state.recordAcceptedThenHung()
                return await apply(.hang, context: context)
            }
            return await apply(fault, context: context)
        }
        switch method {
        case "getMe":
            let id = Int64(state.token.prefix { $0 != ":" }) ?? 1
            return reply(200, TelegramServerJSON.ok(["id": id, "is_bot": true, "first_name": "Test", "username": "gateway_test_bot"]))
        case "getUpdates":
            guard await state.beginPoll() else {
                return reply(409, TelegramServerJSON.error(
                    status: 409, description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"))
            }
            let response = await getUpdates(pollParameters, context: context)
            await state.endPoll()
            return response
        case "sendMessage":
            return await sendMessage(body)
        default:
            return reply(404, TelegramServerJSON.error(status: 404, description: "Not Found: method not found"))
        }
    }

    private func getUpdates(_ parameters: GetUpdatesParameters, context: TelegramServerContext) async -> Response {
        let timeout = max(0, parameters.timeout ?? 0)
        let deadline = ContinuousClock.now + .seconds(timeout)
        while true {
            let step = await state.poll(offset: parameters.offset, limit: parameters.limit ?? 100, remaining: deadline - .now)
            switch step {
            case .batch(let updates): return reply(200, TelegramServerJSON.ok(updates))
            case .woke(.changed): continue
            case .woke(.timedOut): return reply(200, TelegramServerJSON.ok([Any]()))
            case .woke(.dropped): return drop(context)
            }
        }
    }

    private func sendMessage(_ body: Data) async -> Response {
        guard let parameters = try? JSONDecoder().decode(SendMessageParameters.self, from: body) else {
            return reply(400, TelegramServerJSON.error(status: 400, description: "Bad Request: chat_id is empty"))
        }
        let text = parameters.text ?? ""
        if text.allSatisfy(\.isWhitespace) {
            return reply(400, TelegramServerJSON.error(status: 400, description: "Bad Request: message text is empty"))
        }
        if text.utf16.count > 4_096 {
            return reply(400, TelegramServerJSON.error(status: 400, description: "Bad Request: message is too long"))
        }
        // reply_parameters: the answered message must exist in its chat, unless allow_sending_without_reply.
        var replyTo: Int64?
        if let wanted = parameters.replyParameters {
            let chat = wanted.chat?.text ?? parameters.chat.text
            if await state.exists(chat: chat, id: wanted.messageID) {
                replyTo = wanted.messageID
            } else if wanted.allowSendingWithoutReply != true {
                return reply(400, TelegramServerJSON.error(status: 400, description: "Bad Request: message to be replied not found"))
            }
        }
        let messageID = await state.recordSent(chat: parameters.chat.text, text: text, replyTo: replyTo)
        let chatID = parameters.chat.number ?? -100_777
        var result: [String: Any] = [
            "message_id": messageID, "date": 1_800_000_000, "text": text,
            "chat": ["id": chatID, "type": chatID < 0 ? "supergroup" : "private"] as [String: Any],
        ]
        if let replyTo { result["reply_to_message"] = ["message_id": replyTo, "chat": ["id": chatID]] as [String: Any] }
        return reply(200, TelegramServerJSON.ok(result))
    }

    private func apply(_ fault: TelegramServerFault, context: TelegramServerContext) async -> Response {
        switch fault {
        case .error(let status, let description, let retryAfter, let migrateTo):
            return reply(status, TelegramServerJSON.error(
                status: status, description: description, retryAfter: retryAfter, migrateTo: migrateTo))
        case .invalidJSON(let text):
            return reply(200, Data(text.utf8))
        case .hang:
            while await state.wait(timeout: nil) != .dropped {}
            return drop(context)
        case .drop, .acceptThenHang:
            return drop(context)
        }
    }

    /// Closes the connection without answering; the response returned is never written.
    private func drop(_ context: TelegramServerContext) -> Response {
        context.channel.close(promise: nil)
        return Response(status: .internalServerError)
    }

    private func reply(_ status: Int, _ body: Data) -> Response {
        Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

private struct GetUpdatesParameters: Decodable {
    var offset: Int64?
    var limit: Int?
    var timeout: Int?
}

private struct SendMessageParameters: Decodable {
    /// `chat_id`: an integer or `@channelusername`.
    struct Chat: Decodable {
        let text: String
        let number: Int64?

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int64.self) {
                self.number = number
                text = String(number)
            } else {
                text = try container.decode(String.self)
                number = Int64(text)
            }
        }
    }

    struct ReplyParameters: Decodable {
        let messageID: Int64
        let chat: Chat?
        let allowSendingWithoutReply: Bool?

        enum CodingKeys: String, CodingKey {
            case messageID = "message_id", chat = "chat_id", allowSendingWithoutReply = "allow_sending_without_reply"
        }
    }

    let chat: Chat
    let text: String?
    let replyParameters: ReplyParameters?

    enum CodingKeys: String, CodingKey {
        case replyParameters = "reply_parameters"
        case text
        case chat = "chat_id"
    }
}
