import GatewayCore
import Logging

/// Slack: Socket Mode over a WebSocket for what arrives, the Web API for what is sent. One adapter per attempt.
///
/// `connect()` checks the bot token (`auth.test`, remembering the bot's own user id to ignore its echoes), asks
/// for a socket URL with the app token (`apps.connections.open`), opens it and returns once `hello` arrived (bounded
/// by `request_timeout` on the injected clock). `run()` then acknowledges envelopes — a message only after it was
/// handed off — until the socket ends, and throws what ended it (``SlackFailures``).
///
/// A `disconnect` frame with `refresh_requested` or `warning` is Slack's routine rotation of the socket: the adapter
/// opens the new connection at once and drops the old one itself, inside `run()`. Supervision sees no failure, no
/// backoff and no attempt (`slack-sdk`'s socket mode clients do the same). If opening the new one fails, that
/// failure is thrown as what it is.
///
/// An actor: frames, sends and `disconnect()` interleave only at suspension points.
package actor SlackAdapter: PlatformAdapter {
    let settings: SlackSettings
    let context: AdapterContext
    let api: SlackWebAPI
    let redactor: Redactor
    let logger: Logger
    let pacer: SlackSendPacer

    var socket: SlackSocket?
    var iterator: AsyncStream<SlackSocket.Event>.AsyncIterator?
    var identity: SlackWebAPI.Identity?
    var stopping = false
    /// Sockets opened by this adapter (1 after connect; one more per refresh).
    package private(set) var socketsOpened = 0

    package init(settings: SlackSettings, context: AdapterContext) {
        self.settings = settings
        self.context = context
        redactor = settings.redactor
        api = SlackWebAPI(settings: settings)
        logger = context.logger
        pacer = SlackSendPacer(clock: context.clock)
    }

    // MARK: - PlatformAdapter

    package func connect() async throws {
        try checkNotStopping()
        let identity = try await api.authTest()
        self.identity = identity
        logger.debug("slack bot token accepted", metadata: ["slack.user": "\(identity.userID)"])
        try await openSocket()
    }

    package func run() async throws {
        while true {
            let event = await nextEvent()
            if stopping { return }
            try await process(event)
        }
    }

    package func disconnect() async {
        guard !stopping else { return }
        stopping = true
        let socket = socket
        self.socket = nil
        await socket?.close()
    }

    /// The conversations the bot is a member of (`users.conversations`: `conversations.list` would also list public
    /// channels it is not in, where it can neither read nor post). Up to 10 pages of 200; a failure is logged and
    /// what was read so far is returned.
    package func channels() async -> [ChannelEntry] {
        var entries: [ChannelEntry] = []
        var cursor: String?
        for _ in 0..<10 {
            do {
                let page = try await api.conversations(cursor: cursor)
                entries += page.channels.compactMap(Self.entry)
                guard let next = page.next else { break }
                cursor = next
            } catch {
                logger.notice("cannot list the slack conversations", metadata: ["error": "\(redactor.scrub(error.description))"])
                break
            }
        }
        return entries.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
    }

    static func entry(_ channel: SlackJSON) -> ChannelEntry? {
        guard let id = channel["id"]?.string else { return nil }
        if channel["is_im"]?.bool == true {
            return ChannelEntry(id: id, name: "@\(channel["user"]?.string ?? id)", kind: "private")
        }
        let name = channel["name"]?.string ?? id
        return ChannelEntry(id: id, name: "#\(name)", kind: channel["is_mpim"]?.bool == true ? "group" : "channel")
    }

    // MARK: - The socket

    /// `apps.connections.open`, then the WebSocket, then `hello` within the request timeout. Replaces (and closes)
    /// the current socket only once the new one said hello.
    func openSocket() async throws(AdapterError) {
        let url = try await api.openConnection()
        try checkNotStopping()
        let fresh = SlackSocket(url: url, logger: logger)
        var events = fresh.events.makeAsyncIterator()
        fresh.start()
        socketsOpened += 1
        let clock = context.clock
        let deadline = clock.nowMillis() + settings.requestTimeoutMillis
        let bound = Task {
            try? await clock.sleep(untilMillis: deadline)
            if !Task.isCancelled { fresh.timeOut() }
        }
        defer { bound.cancel() }
        while true {
            let event = await events.next(isolation: #isolation)
            if stopping {
                await fresh.close()
                try checkNotStopping()
            }
            switch event {
            case .text(let text):
                guard let frame = SlackFrame(text: text) else { continue }
                if frame.type == "hello" {
                    let previous = socket
                    socket = fresh
                    iterator = events
                    logger.info("slack socket mode connected", metadata: [
                        "slack.connections": "\(frame.numConnections.map(String.init) ?? "-")"])
                    // The old socket's close handshake (bounded by its grace) must not hold up the new one's frames.
                    if let previous { Task { await previous.close() } }
                    return
                }
                if frame.type == "disconnect" {
                    await fresh.close()
                    throw failure(disconnect: frame.reason ?? "")
                }
                // Slack sends hello first; anything else before it is left unacknowledged and comes again.
            case .timedOut:
                await fresh.close()
                throw SlackFailures.noHello.error(detail: "waited \(settings.requestTimeoutMillis) ms")
            case .closed(let code):
                throw SlackFailures.socketClosed.error(detail: "before hello\(code.map { " (close code \($0))" } ?? "")")
            case .failed(let text):
                throw SlackFailures.socket.error(detail: redactor.scrub(Self.withoutURL(text)))
            case nil:
                throw SlackFailures.socketClosed.error(detail: "before hello")
            }
        }
    }

    /// Handles one event of the current socket; throws the failure that ends the connection.
    func process(_ event: SlackSocket.Event?) async throws(AdapterError) {
        switch event {
        case .text(let text):
            guard let frame = SlackFrame(text: text) else {
                throw await end(SlackFailures.protocolViolation.error(detail: "a frame that is not a Socket Mode JSON object"))
            }
            try await handle(frame)
        case .closed(let code):
            throw await end(SlackFailures.socketClosed.error(detail: code.map { "close code \($0)" }))
        case .failed(let text):
            throw await end(SlackFailures.socket.error(detail: redactor.scrub(Self.withoutURL(text))))
        case .timedOut:
            break  // a late bound of a socket that already said hello
        case nil:
            throw await end(SlackFailures.socketClosed.error())
        }
    }

    private func handle(_ frame: SlackFrame) async throws(AdapterError) {
        logger.trace("slack frame", metadata: ["slack.type": "\(frame.type)", "slack.reason": "\(frame.reason ?? "-")"])
        switch frame.type {
        case "hello":
            break
        case "disconnect":
            let reason = frame.reason ?? ""
            if reason == "refresh_requested" || reason == "warning" {
                logger.info("slack asked to refresh the socket; opening the new one", metadata: ["slack.reason": "\(reason)"])
                do {
                    try await openSocket()
                } catch {
                    throw await end(error)
                }
                return
            }
            throw await end(failure(disconnect: reason))
        case "events_api":
            guard let envelopeID = frame.envelopeID else {
                throw await end(SlackFailures.protocolViolation.error(detail: "an events_api envelope without envelope_id"))
            }
            let messages = frame.payload.flatMap {
                SlackInbound.message($0, platform: context.platform, ownUserID: identity?.userID)
            }.map { [$0] } ?? []
            do {
                try await context.handOff(messages, cursors: [:])
            } catch {
                throw await end(SlackFailures.handOffFailed.error(detail: redactor.scrub("\(error)")))
            }
            if let attempt = frame.retryAttempt, attempt > 0 {
                logger.debug("slack redelivered an envelope", metadata: [
                    "slack.retry_attempt": "\(attempt)", "slack.retry_reason": "\(frame.retryReason ?? "-")"])
            }
            await ack(envelopeID)
        default:
            // slash_commands, interactive and any envelope type to come: acknowledged (or Slack retries it) and not
            // stored — they are not chat messages, and answering them needs their response_url.
            if let envelopeID = frame.envelopeID {
                logger.debug("acknowledging a slack envelope gatewayd does not store", metadata: ["slack.type": "\(frame.type)"])
                await ack(envelopeID)
            }
        }
    }

    /// The `disconnect` reasons that end the connection.
    func failure(disconnect reason: String) -> AdapterError {
        switch reason {
        case "link_disabled": return SlackFailures.linkDisabled.error()
        case "too_many_websockets": return SlackFailures.tooManyWebsockets.error()
        default:
            let error = SlackFailures.disconnect(reason: reason).error()
            logger.warning("unrecognised slack disconnect reason; treating it as network", metadata: ["error": "\(error.message)"])
            return error
        }
    }

    /// `{"envelope_id": …}`. A lost ack only costs a redelivery, which the inbox deduplicates.
    private func ack(_ envelopeID: String) async {
        do {
            try await socket?.send(SlackFrame.ack(envelopeID))
        } catch {
            logger.debug("cannot acknowledge a slack envelope; slack will redeliver it", metadata: ["error": "\(error)"])
        }
    }

    /// Closes the socket and returns `error` to throw.
    private func end(_ error: AdapterError) async -> AdapterError {
        let metadata: Logger.Metadata = [
            "error.class": "\(error.errorClass.rawValue)", "error.code": "\(error.code ?? "-")", "error": "\(redactor.scrub(error.message))",
        ]
        if error.classified {
            logger.info("slack connection ended", metadata: metadata)
        } else {
            logger.warning("unrecognised slack failure", metadata: metadata)
        }
        let socket = socket
        self.socket = nil
        await socket?.close()
        return error
    }

    // MARK: - Helpers

    func nextEvent() async -> SlackSocket.Event? {
        guard var events = iterator else { return nil }
        let event = await events.next(isolation: #isolation)
        iterator = events
        return event
    }

    func checkNotStopping() throws(AdapterError) {
        if stopping { throw AdapterError(.network, code: "cancelled", message: "the connection was closed by gatewayd") }
    }

    /// A transport failure's text names the socket URL's host; the URL's query (its ticket) never reaches it, but a
    /// library message might quote the URL: anything after `?` goes.
    static func withoutURL(_ text: String) -> String {
        guard let query = text.firstIndex(of: "?") else { return text }
        return String(text[..<query]) + "?<ticket>"
    }
}
