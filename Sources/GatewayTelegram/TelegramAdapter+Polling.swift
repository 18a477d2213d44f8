import GatewayNetworking
import GatewayCore
import Logging

extension TelegramAdapter {
    /// Polls until `disconnect()` (returns) or a failure (throws the classified `AdapterError`).
    ///
    /// Three children race: the poll loop, the watchdog, and the close latch; the first to finish ends the others.
    public func run() async throws {
        guard isConnected else { return }
        defer { state.withLock { $0.connected = false } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.pollLoop() }
            group.addTask { try await self.watchdog() }
            group.addTask { await self.closed.waitIgnoringCancellation() }
            defer {
                closed.open()  // releases the latch child whichever child finished first
                group.cancelAll()
            }
            try await group.next()
        }
    }

    /// `getUpdates` with the current offset, again and again; hands each batch on before advancing.
    func pollLoop() async throws {
        let parameters = { (offset: Int64?) in
            TelegramGetUpdates(
                offset: offset, limit: TelegramSettings.batchLimit, timeout: self.settings.pollTimeoutSeconds,
                allowedUpdates: TelegramSettings.allowedUpdates)
        }
        while !closed.isOpen {
            let offset = state.withLock { $0.offset }
            let updates: [TelegramUpdate]
            do {
                updates = try await client.call(
                    .getUpdates, parameters(offset), deadlineMillis: settings.pollDeadlineMillis)
            } catch let failure as TelegramFailure where failure.isPollDeadline {
                logger.notice("long poll passed its read deadline; polling again with the same offset", metadata: [
                    "telegram.offset": "\(offset.map(String.init) ?? "-")",
                    "telegram.deadline": "\(DurationText.describe(millis: settings.pollDeadlineMillis))",
                ])
                continue
            } catch let failure as TelegramFailure {
                throw classified(failure)
            }
            markPollCompleted()
            try await deliver(updates, after: offset)
            markPollCompleted()
        }
    }

    /// Hands a batch on with its new offset; advances the offset only once the hand-off returned.
    package func deliver(_ updates: [TelegramUpdate], after offset: Int64?) async throws {
        // The server drops what an offset confirmed; anything older that still comes back was handed on already.
        let fresh = updates.filter { $0.updateID >= (offset ?? .min) }.sorted { $0.updateID < $1.updateID }
        guard let last = fresh.last?.updateID else { return }
        // A server that sends update_id Int64.max is broken; overflowing here would crash the daemon (found by fuzzing).
        let (next, overflow) = last.addingReportingOverflow(1)
        guard !overflow else {
            throw AdapterError(.server, code: "protocol", message: "getUpdates returned update_id \(last), which has no successor")
        }
        var messages: [InboundMessage] = []
        for update in fresh {
            if let chat = TelegramInbound.chat(of: update) { saw(chat) }
            if let message = TelegramInbound.message(from: update, platform: context.platform) { messages.append(message) }
        }
        do {
            try await context.handOff(messages, cursors: ["offset": String(next)])
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw AdapterError(
                .network, code: "handoff",
                message: "cannot hand on \(messages.count) received message(s); not confirmed to Telegram: \(settings.redactor.scrub("\(error)"))")
        }
        state.withLock { $0.offset = next }
        logger.debug("telegram updates handed on", metadata: [
            "telegram.updates": "\(fresh.count)", "telegram.messages": "\(messages.count)", "telegram.offset": "\(next)",
        ])
    }

    func markPollCompleted() {
        state.withLock { $0.lastPollCompleted = .now }
    }

    /// Throws when no `getUpdates` completed for `watchdogMillis` (real time: it watches the network, not the
    /// gateway's schedule). Returns only by cancellation.
    func watchdog() async throws {
        let limit = Duration.milliseconds(settings.watchdogMillis)
        while true {
            let last = state.withLock { $0.lastPollCompleted }
            try await Task.sleep(until: last + limit, clock: .continuous)
            if state.withLock({ $0.lastPollCompleted }) == last {
                throw AdapterError(
                    .network, code: "watchdog",
                    message: "getUpdates: no poll completed for \(DurationText.describe(millis: settings.watchdogMillis)); the link looks dead")
            }
        }
    }
}
