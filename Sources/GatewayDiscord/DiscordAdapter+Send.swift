import GatewayNetworking
import GatewayCore
import Logging

extension DiscordAdapter {
    /// How many 429s one message part may meet before the send gives up.
    static let maxRateLimitRetries = 3
    /// A 429 asking for a longer wait than this is not waited out: the send fails `rateLimited` with the wait.
    static let maxRateLimitWaitMillis: Int64 = 60_000

    /// `POST /channels/{target}/messages`, split into parts of at most 2000 characters, each with a `nonce` from the
    /// message's delivery key (`enforce_nonce`: a retried part is not posted twice). Waits out REST 429s (their
    /// `retry_after`, on the injected clock; a `global` one holds every send) and retries. A 403/404/50007 is a
    /// per-message failure with its own code (`message_forbidden`, `unknown_channel`, `cannot_message_user`);
    /// the connection is fine.
    package func send(_ message: OutgoingMessage) async throws -> SentMessage {
        let target = message.target
        guard DiscordTarget.isSnowflake(target) else {
            throw DiscordFailures.invalidTarget.error(detail: "'\(redactor.scrub(String(target.prefix(40))))'")
        }
        guard !message.text.isEmpty else { throw DiscordFailures.messageRejected.error(detail: "the message is empty") }
        if let replyTo = message.replyTo, !DiscordTarget.isSnowflake(replyTo) {
            throw DiscordFailures.messageRejected.error(detail: DiscordTarget.replyRule(replyTo))
        }
        let parts = MessageSplitter.split(message.text)
        var ids: [String] = []
        for (index, part) in parts.enumerated() {
            do {
                let nonce = Self.nonce(message.deliveryKey, part: index, of: parts.count)
                // The first part answers; the rest follow it.
                ids.append(try await post(channel: target, content: part, nonce: nonce, replyTo: index == 0 ? message.replyTo : nil))
            } catch var error {
                if !ids.isEmpty { error.message += " (\(ids.count) of \(parts.count) parts were sent: \(ids.joined(separator: ", ")))" }
                throw error
            }
        }
        return SentMessage(ids: ids)
    }

    /// Discord's `nonce` for one part (https://discord.com/developers/docs/resources/message#create-message): sent with
    /// `enforce_nonce: true`, so a retry of a part Discord already created — after a timeout, or a crash between the
    /// POST and recording it as sent — returns the existing message instead of posting it twice. The outbox's
    /// delivery key, plus `.n` for part n of a split text; nil (no dedup) without a key or beyond 25 characters.
    static func nonce(_ key: String?, part: Int, of count: Int) -> String? {
        guard let key else { return nil }
        let nonce = count > 1 ? "\(key).\(part)" : key
        return nonce.count <= 25 ? nonce : nil
    }

    private func post(channel: String, content: String, nonce: String?, replyTo: String?) async throws(AdapterError) -> String {
        var limited = 0
        while true {
            try await waitUntil(globalNotBefore)
            switch try await rest.postMessage(channel: channel, content: content, nonce: nonce, replyTo: replyTo) {
            case .created(let id):
                return id
            case .failed(let error):
                throw error
            case .rateLimited(let limit):
                limited += 1
                guard limited <= Self.maxRateLimitRetries, limit.retryAfterMillis <= Self.maxRateLimitWaitMillis else {
                    throw AdapterError(
                        .rateLimited, code: "429",
                        message: "Discord rate-limited the message (retry after \(DurationText.describe(millis: limit.retryAfterMillis)))",
                        retryAfterMillis: limit.retryAfterMillis)
                }
                let until = context.clock.nowMillis() + limit.retryAfterMillis
                if limit.global { globalNotBefore = max(globalNotBefore, until) }
                logger.notice("rate-limited sending; waiting", metadata: [
                    "discord.retry_after_ms": "\(limit.retryAfterMillis)", "discord.global": "\(limit.global)",
                ])
                try await waitUntil(until)
            }
        }
    }

    private func waitUntil(_ millis: Int64) async throws(AdapterError) {
        guard millis > context.clock.nowMillis() else { return }
        do {
            try await context.clock.sleep(untilMillis: millis)
        } catch {
            throw AdapterError(.network, code: "cancelled", message: "the send was cancelled while waiting out a rate limit")
        }
    }
}
