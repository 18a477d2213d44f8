import GatewayNetworking
import GatewayCore
import Logging

/// Discord: Gateway v10 over a WebSocket for what arrives, REST for what is sent. One adapter per connect attempt.
///
/// `connect()` checks the token (`GET /users/@me`), reads the gateway URL and the IDENTIFY budget
/// (`GET /gateway/bot`), opens the socket and, after HELLO, starts heartbeating and sends RESUME (when a session is
/// persisted) or IDENTIFY; it returns once READY or RESUMED arrived. `run()` then processes dispatches until the
/// socket ends, and throws the failure the close code or event maps to (``DiscordFailures``). The session
/// (`session_id`, `resume_gateway_url`, `seq`) lives in the platform's cursors, so the next attempt — also in a
/// restarted daemon — RESUMEs.
///
/// An actor: frames, heartbeats, sends and `disconnect()` interleave only at suspension points.
package actor DiscordAdapter: PlatformAdapter {
    let settings: DiscordSettings
    let context: AdapterContext
    let rest: DiscordREST
    /// Scrubs the token from every text that leaves the adapter.
    let redactor: Redactor
    let logger: Logger

    var socket: GatewaySocket?
    var iterator: AsyncStream<GatewaySocket.Event>.AsyncIterator?
    /// The session being resumed, or the one READY created.
    var session: DiscordCursors.Session?
    /// The last sequence number received (the heartbeat's `d`), and the last one persisted.
    var seq: Int64?
    var savedSeq: Int64?
    var heartbeat: HeartbeatSchedule?
    var heartbeatTask: Task<Void, Never>?
    /// Set when the adapter itself ends the connection (a zombie): the error `run()` throws.
    var ending: AdapterError?
    /// `disconnect()` was called.
    var stopping = false
    var tornDown = false
    var userID: String?
    var guildChannels: [String: [ChannelEntry]] = [:]
    /// A global REST rate limit holds every send until then (clock millis).
    var globalNotBefore: Int64 = 0

    package init(settings: DiscordSettings, context: AdapterContext) {
        self.settings = settings
        self.context = context
        redactor = Redactor(secrets: [settings.token.revealed])
        rest = DiscordREST(apiBase: settings.apiBase, token: settings.token, redactor: redactor)
        logger = context.logger
    }

    // MARK: - PlatformAdapter

    package func connect() async throws {
        try checkNotStopping()
        userID = try await rest.currentUser(now: context.clock.nowMillis())
        let gateway = try await rest.gatewayBot(now: context.clock.nowMillis())
        try await context.saveCursors(gateway.budget.values)
        let resumable = try await DiscordCursors.loadSession(context)
        if resumable == nil {
            try await checkBudget(gateway)
        }
        session = resumable
        seq = resumable?.seq
        savedSeq = seq
        let base = resumable?.resumeURL ?? settings.gatewayURL ?? gateway.url
        try checkNotStopping()
        let socket = GatewaySocket(url: DiscordSettings.socketURL(base), logger: logger)
        self.socket = socket
        iterator = socket.events.makeAsyncIterator()
        socket.start()
        logger.debug("gateway socket opening", metadata: ["discord.resume": "\(resumable != nil)"])
        while true {
            let event = await nextEvent()
            try checkNotStopping()
            if try await process(event) == .established { return }
        }
    }

    package func run() async throws {
        while true {
            let event = await nextEvent()
            if stopping { return }
            _ = try await process(event)
        }
    }

    package func disconnect() async {
        guard !stopping else { return }
        stopping = true
        await teardown(.keep)
    }

    package func channels() async -> [ChannelEntry] {
        guildChannels.values.flatMap { $0 }.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
    }

    // MARK: - Ending a connection

    /// Turns a failure into the error to throw: logs it, tears the connection down and applies its session rule.
    func fail(_ failure: DiscordFailure, detail: String? = nil, retryAfterMillis: Int64? = nil) async -> AdapterError {
        let error = failure.error(detail: detail.map(redactor.scrub), retryAfterMillis: retryAfterMillis)
        let metadata: Logger.Metadata = [
            "error.class": "\(error.errorClass.rawValue)", "error.code": "\(failure.code)", "error": "\(error.message)",
            "discord.session": "\(failure.session == .keep ? "kept" : "cleared")",
        ]
        if failure.loud {
            logger.error("discord rejected a payload we sent: this is a gatewayd bug", metadata: metadata)
        } else if !failure.known {
            logger.warning("unrecognised discord failure; treating it as network", metadata: metadata)
        } else {
            logger.info("discord connection ended", metadata: metadata)
        }
        await teardown(failure.session)
        return error
    }

    /// Stops heartbeating, closes the socket with a resumable code, and persists the session rule: the last seq
    /// (kept) or empty session cursors (cleared). Idempotent: the first caller decides.
    func teardown(_ rule: DiscordFailure.Session) async {
        guard !tornDown else { return }
        tornDown = true
        heartbeatTask?.cancel()
        heartbeatTask = nil
        await socket?.close()
        do {
            switch rule {
            case .clear:
                session = nil
                try await context.saveCursors(DiscordCursors.cleared)
            case .keep:
                if session != nil, let seq, seq != savedSeq {
                    try await context.saveCursors([DiscordCursors.seq: String(seq)])
                    savedSeq = seq
                }
            }
        } catch {
            logger.error("cannot persist the discord session", metadata: ["error": "\(redactor.scrub("\(error)"))"])
        }
    }

    // MARK: - Helpers

    func nextEvent() async -> GatewaySocket.Event? {
        guard var events = iterator else { return nil }
        let event = await events.next(isolation: #isolation)
        iterator = events
        return event
    }

    private func checkNotStopping() throws(AdapterError) {
        if stopping { throw AdapterError(.network, code: "cancelled", message: "the connection was closed by gatewayd") }
    }

    /// No IDENTIFY when the daily budget is spent: rate-limited until it resets. Warns when it runs low.
    private func checkBudget(_ gateway: DiscordREST.GatewayInfo) async throws(AdapterError) {
        let budget = gateway.budget
        if budget.remaining <= 0 {
            throw await fail(
                DiscordFailures.identifyBudgetExhausted,
                detail: "\(budget.total) per day; resets in \(DurationText.describe(millis: gateway.resetAfterMillis))",
                retryAfterMillis: max(1, gateway.resetAfterMillis))
        }
        if budget.remaining <= max(10, budget.total / 10) {
            logger.warning("the daily IDENTIFY budget is running low", metadata: [
                "discord.identify_remaining": "\(budget.remaining)", "discord.identify_total": "\(budget.total)",
            ])
        }
    }
}
