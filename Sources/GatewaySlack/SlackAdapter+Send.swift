import GatewayCore

extension SlackAdapter {
    /// `chat.postMessage` to `message.target`, split into parts of at most 4,000 characters, in order, paced per
    /// channel (``SlackSendPacer``). With `replyTo` (`<channel>:<ts>` of a message in the same channel) every part
    /// goes into that message's thread (`thread_ts`); a `replyTo` from another channel cannot be threaded there, so
    /// the message is sent unthreaded.
    ///
    /// - Returns: one id per part, `<channel>:<ts>` (the form inbound ids take).
    /// - Throws: `AdapterError` from ``SlackFailures``: a per-message failure (`channel_not_found`, `not_in_channel`,
    ///   `is_archived`, `msg_too_long`, a bad target) says nothing about the connection; a 429 or `ratelimited` is
    ///   `rateLimited` with the Retry-After (the channel is held back as long, and the outbox waits). When a later
    ///   part fails, the text says how many parts went out (a retry sends them again: Slack has no idempotency key).
    package func send(_ message: OutgoingMessage) async throws -> SentMessage {
        let target = message.target
        guard SlackTarget.isConversation(target) else {
            throw SlackFailures.invalidTarget.error(detail: SlackTarget.targetRule(redactor.scrub(target)))
        }
        let parts = SlackTextSplitter.split(message.text)
        guard !parts.isEmpty else { throw SlackFailures.emptyText.error() }
        var threadTS: String?
        if let replyTo = message.replyTo {
            guard let original = SlackTarget.messageID(replyTo) else {
                throw SlackFailures.invalidTarget.error(detail: SlackTarget.replyRule(redactor.scrub(replyTo)))
            }
            threadTS = original.channel == target ? original.ts : nil
        }
        await pacer.acquire(target)
        do {
            let ids = try await post(parts, to: target, threadTS: threadTS)
            await pacer.release(target)
            return SentMessage(ids: ids)
        } catch {
            await pacer.release(target)
            throw error
        }
    }

    private func post(_ parts: [String], to channel: String, threadTS: String?) async throws(AdapterError) -> [String] {
        var ids: [String] = []
        for part in parts {
            let slot = await pacer.reserve(channel)
            if slot > context.clock.nowMillis() {
                do {
                    try await context.clock.sleep(untilMillis: slot)
                } catch {
                    throw AdapterError(.network, code: "cancelled", message: "the send was cancelled while pacing")
                }
            }
            do {
                let posted = try await api.postMessage(channel: channel, text: part, threadTS: threadTS)
                ids.append("\(posted.channel):\(posted.ts)")
            } catch var error {
                if error.errorClass == .rateLimited {
                    await pacer.block(channel, until: context.clock.nowMillis() + (error.retryAfterMillis ?? 1_000))
                }
                if !ids.isEmpty { error.message += " (\(ids.count) of \(parts.count) parts were sent: \(ids.joined(separator: ", ")))" }
                throw error
            }
        }
        return ids
    }
}
