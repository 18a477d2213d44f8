import Foundation
import GatewayStore
import Logging

import GatewayCore
import GatewayDaemon
import GatewayRuntime
import GatewayDiscord
import GatewayIRC
import GatewayTelegram

/// The Telegram adapter's inbound path on one response body, as `TelegramClient.call` and the poll loop run it:
/// `TelegramClient.decode` (the envelope head, then `result`) for each method's result type; a failure goes through
/// `TelegramFailures.classify` (what the poll loop does with it); a `getUpdates` result goes through
/// `TelegramAdapter.deliver`, which maps each update with `TelegramInbound` and computes the next offset.
enum TelegramFuzz {
    static let settings = TelegramSettings(
        token: Secret("123456:fuzz-token-AAAA"), apiBase: "http://127.0.0.1:9", pollTimeoutSeconds: 1,
        requestTimeoutMillis: 1_000)

    static func run(_ bytes: [UInt8]) async {
        let data = Data(bytes)
        let adapter = TelegramAdapter(settings: settings, context: FuzzContext.make(platform: "tg"))
        let client = adapter.client
        do {
            let updates: [TelegramUpdate] = try client.decode(data, status: 200, method: .getUpdates)
            // As the poll loop does: hand the batch on; `after:` is the offset before it (none on a first poll).
            try await adapter.deliver(updates, after: nil)
            if let first = updates.first { try await adapter.deliver(updates, after: first.updateID) }
            for update in updates {
                if let message = TelegramInbound.message(from: update, platform: "tg") {
                    invariant(!message.id.isEmpty, "an inbound message without an id")
                }
            }
            _ = await adapter.channels()
        } catch let failure as TelegramFailure {
            _ = TelegramFailures.classify(failure)
        } catch let error as AdapterError where error.code == "protocol" {
            // A server answer the adapter refuses (update_id with no successor): a classified failure, not a crash.
            invariant(error.errorClass == .server, "a protocol violation is a server-class failure")
        } catch {
            invariant(false, "deliver threw \(error) with a sink that never fails")
        }
        do throws(TelegramFailure) {
            let me: TelegramUser = try client.decode(data, status: 200, method: .getMe)
            _ = me
        } catch {
            _ = TelegramFailures.classify(error)
        }
        do throws(TelegramFailure) {
            let sent: TelegramMessage = try client.decode(data, status: 200, method: .sendMessage)
            _ = sent
        } catch {
            _ = TelegramFailures.classify(error)
        }
    }
}
