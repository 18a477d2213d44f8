import GatewayNetworking
import GatewayCore

extension IRCAdapter {
    /// Reads, writes the paced queue and watches for silence until the link drops (throws) or `disconnect()` is
    /// called (returns). Three child tasks; the first to end ends the others.
    public func run() async throws {
        guard let connection = liveConnection else { return }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await self.receive(on: connection) }
                group.addTask { try await self.outbox.drain { line in try await self.write(line, on: connection) } }
                group.addTask { try await self.watchIdle(on: connection) }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            let failure = redacted(AdapterError.classify(error))
            end(connection, reason: failure)
            if isStopped { return }
            log.debug("irc connection dropped", metadata: ["error": "\(failure.description)"])
            throw failure
        }
        end(connection, reason: Self.stoppedError)
    }

    private func end(_ connection: IRCConnection, reason: AdapterError) {
        outbox.close(reason)
        pings.close(reason)
        connection.close()
        connection.finishEvents()
    }

    /// The read loop after registration: PONGs, inbound messages, membership, fatal server errors.
    private func receive(on connection: IRCConnection) async throws {
        for await event in connection.events {
            switch event {
            case .received(.line(let text)):
                touch()
                log.trace("irc line received", metadata: ["irc.line": "\(context.redactor.scrub(text))"])
                guard let message = IRCMessage(parsing: text), let actions = withSession({ $0.handle(message) }) else { continue }
                for action in actions { try await perform(action, on: connection) }
            case .received(.overlong(let bytes)):
                log.warning("irc overlong line dropped", metadata: ["irc.bytes": "\(bytes)"])
            case .transportFailed(let error), .abandoned(let error):
                throw redacted(error)
            case .closed:
                if isStopped { return }
                throw IRCFailures.classify(.endOfStream, message: "the server closed the connection")
            case .stop:
                return
            case .registrationDeadline:
                continue  // a registration timer that fired as registration finished
            }
        }
        if isStopped { return }
        throw IRCFailures.classify(.endOfStream, message: "the connection ended")
    }

    private func perform(_ action: IRCSession.Action, on connection: IRCConnection) async throws {
        switch action {
        case .send(let line):
            try await write(line, on: connection)
        case .pong(let token):
            if pings.answered(token) { log.trace("irc message confirmed", metadata: ["irc.token": "\(token)"]) }
        case .deliver(let message):
            do {
                // IRC has no cursor to confirm: each message is handed on alone, with no cursors.
                try await context.handOff([message], cursors: [:])
            } catch {
                log.error("irc inbound message could not be handed on; it is lost", metadata: [
                    "irc.message_id": "\(message.id)", "error": "\(context.redactor.scrub("\(error)"))",
                ])
            }
        case .joinRefused(let channel, let reason):
            log.warning("irc join refused", metadata: ["irc.channel": "\(channel)", "irc.reason": "\(context.redactor.scrub(reason))"])
        case .fail(let error):
            if !error.classified {
                log.warning("irc server error not in the failure table; treating it as network", metadata: [
                    "error": "\(context.redactor.scrub(error.message))",
                ])
            }
            throw redacted(error)
        }
    }

    /// Sends `PING :<token>` after `ping_interval` without any received line; throws `network` (ping_timeout) when
    /// nothing at all arrives within `ping_timeout` after it. Deadlines are computed from the last line's time, not
    /// from when this task wakes, so a test that moves a `ManualClock` past both gets the failure deterministically.
    private func watchIdle(on connection: IRCConnection) async throws {
        let clock = context.clock
        var seen = activity.withLock { $0 }
        while true {
            let idleDeadline = seen.at + settings.pingIntervalMillis
            try await clock.sleep(untilMillis: idleDeadline)
            let now = activity.withLock { $0 }
            if now.count != seen.count {
                seen = now
                continue
            }
            let token = pings.token()
            log.debug("irc idle ping sent", metadata: ["irc.idle_ms": "\(settings.pingIntervalMillis)", "irc.token": "\(token)"])
            try await write(.make("PING", [token]), on: connection)
            try await clock.sleep(untilMillis: idleDeadline + settings.pingTimeoutMillis)
            let after = activity.withLock { $0 }
            if after.count == seen.count {
                throw IRCFailures.classify(.pingTimeout, message: "no reply from the server within \(DurationText.describe(millis: settings.pingTimeoutMillis)) of our PING (idle \(DurationText.describe(millis: settings.pingIntervalMillis)))")
            }
            seen = after
        }
    }
}
