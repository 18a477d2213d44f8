import GatewayNetworking
import GatewayCore

extension TelegramAdapter {
    /// Sends `message.text` to `message.target` (a chat id, or `@channelusername`), split into parts of at most 4096
    /// UTF-16 units, in order, paced per chat and overall.
    ///
    /// - Returns: one id per part, `"<chat_id>:<message_id>"` (the form inbound ids take).
    /// - Throws: `AdapterError`. A failure of this message only (blocked by the user, chat not found, group migrated,
    ///   empty text, bad target) has code `per_message` (`isPerMessage`) and says nothing about the connection; a
    ///   429 is `rateLimited` with its retry-after (the chat is also held back that long); transport and auth
    ///   failures are what they are. When a later part fails, the text says how many parts went out.
    public func send(_ message: OutgoingMessage) async throws -> SentMessage {
        guard isConnected else {
            throw AdapterError(.network, code: "not_connected", message: "sendMessage: the telegram connection is closed")
        }
        guard let chat = TelegramChatID(target: message.target) else {
            throw perMessage("the target must be a chat id or @channelusername")
        }
        let parts = TelegramTextSplitter.split(message.text)
        guard !parts.isEmpty else { throw perMessage("the text is empty") }
        var reply: TelegramReplyParameters?
        if let replyTo = message.replyTo {
            guard let parameters = TelegramReplyParameters(replyTo: replyTo, target: chat) else {
                throw perMessage(TelegramReplyParameters.rule(replyTo))
            }
            reply = parameters
        }

        await pacer.acquire(chat.key)
        do {
            let ids = try await sendParts(parts, to: chat, replyingTo: reply)
            await pacer.release(chat.key)
            return SentMessage(ids: ids)
        } catch {
            await pacer.release(chat.key)
            throw error
        }
    }

    /// Sends the parts in order; the first threads under `reply`, the rest follow it.
    private func sendParts(_ parts: [String], to chat: TelegramChatID, replyingTo reply: TelegramReplyParameters?) async throws -> [String] {
        var ids: [String] = []
        for part in parts {
            let slot = await pacer.reserve(chat.key, isGroup: chat.isGroup)
            try await context.clock.sleep(untilMillis: slot)
            guard isConnected else {
                throw AdapterError(
                    .network, code: "not_connected",
                    message: "sendMessage: the telegram connection closed\(progress(ids.count, of: parts.count))")
            }
            do {
                let sent: TelegramMessage = try await call(
                    .sendMessage, TelegramSendMessage(chatID: chat, text: part, replyParameters: ids.isEmpty ? reply : nil),
                    deadlineMillis: settings.requestTimeoutMillis)
                saw(sent.chat)
                ids.append("\(sent.chat.id):\(sent.messageID)")
            } catch var error as AdapterError {
                if error.errorClass == .rateLimited, let wait = error.retryAfterMillis {
                    await pacer.block(chat.key, until: context.clock.nowMillis() + wait)
                }
                error.message += progress(ids.count, of: parts.count)
                throw error
            }
        }
        return ids
    }

    private func perMessage(_ reason: String) -> AdapterError {
        AdapterError.message(.server, code: AdapterError.perMessageCode, message: "sendMessage: \(reason)")
    }

    private func progress(_ sent: Int, of total: Int) -> String {
        sent == 0 ? "" : " (after \(sent) of \(total) parts were sent)"
    }
}
