import GatewayNetworking
import GatewayCore
import Logging
import NIOSSL
import Synchronization

/// The IRC adapter: one connection attempt to one IRC server over SwiftNIO (TCP, or TLS with swift-nio-ssl).
///
/// `connect()` opens the socket, registers (CAP, PASS, SASL PLAIN, NICK/USER with alternates) under a registration
/// deadline, sends the JOINs and returns. `run()` then reads until the link drops (throws a classified error) or
/// `disconnect()` is called (returns). `send(_:)` returns once the server has confirmed the message's lines (a PING
/// after them, answered; see ``sendConfirmed(_:)``). Timers — registration deadline, idle PING, pacing, the
/// confirmation's deadline — run on the context's clock.
public final class IRCAdapter: PlatformAdapter {
    struct Activity: Sendable {
        /// Lines received so far on this connection.
        var count: UInt64 = 0
        /// When the last one arrived (clock ms).
        var at: Int64 = 0
    }

    private struct State {
        var connection: IRCConnection?
        var session: IRCSession?
        var stopped = false
        var sent: UInt64 = 0
    }

    let settings: IRCSettings
    let context: AdapterContext
    let outbox: IRCOutbox
    let pings = IRCPings()
    private let tls: NIOSSLContext?
    private let state = Mutex(State())
    let activity = Mutex(Activity())

    /// Throws `auth`/`config` when the configuration cannot work (including an unusable TLS setup).
    init(platform: PlatformConfig, context: AdapterContext) throws(AdapterError) {
        settings = try IRCSettings(platform)
        self.context = context
        outbox = IRCOutbox(clock: context.clock, pacer: IRCPacer(burst: settings.lineBurst, intervalMillis: settings.lineIntervalMillis))
        guard settings.tls else {
            tls = nil
            return
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let file = settings.tlsCAFile { configuration.trustRoots = .file(file) }
        do {
            tls = try NIOSSLContext(configuration: configuration)
        } catch {
            throw AdapterError(.auth, code: "config", message: "irc platform '\(platform.name)': cannot set up TLS: \(error)")
        }
    }

    var log: Logger { context.logger }

    // MARK: - PlatformAdapter

    public func connect() async throws {
        guard !state.withLock({ $0.stopped }) else { throw Self.stoppedError }
        log.debug("irc connecting", metadata: [
            "irc.server": "\(settings.server)", "irc.port": "\(settings.port)", "irc.tls": "\(settings.tls)",
        ])
        let connection = try await IRCConnection.open(
            host: settings.server, port: settings.port, tls: tls, connectTimeoutMillis: settings.registerTimeoutMillis)
        let stoppedMeanwhile = state.withLock { state -> Bool in
            state.connection = connection
            return state.stopped
        }
        guard !stoppedMeanwhile else {
            connection.close()
            throw Self.stoppedError
        }
        do {
            let nick = try await register(on: connection)
            try await join(on: connection, nick: nick)
        } catch {
            connection.close()
            connection.finishEvents()
            let failure = AdapterError.classify(error)
            log.debug("irc connect failed", metadata: ["error": "\(context.redactor.scrub(failure.description))"])
            throw failure
        }
    }

    public func send(_ message: OutgoingMessage) async throws -> SentMessage {
        guard let session = state.withLock({ $0.stopped ? nil : $0.session }) else {
            throw AdapterError(.network, code: "not_connected", message: "the IRC connection is not up")
        }
        let target = message.target
        // Per-message failures: this message can never be sent, the link is fine and the messages behind it go on.
        if let problem = IRCTarget.problem(target) {
            throw AdapterError.message(.server, code: "invalid_target", message: problem)
        }
        let pieces = IRCTextSplitter.split(message.text, maxBytes: IRCTextSplitter.maxTextBytes(target: target, nick: session.nick, prefix: session.ownPrefix))
        guard !pieces.isEmpty else {
            throw AdapterError.message(.server, code: "empty_message", message: "IRC cannot send an empty message")
        }
        try await sendConfirmed(pieces.map { IRCLine.make("PRIVMSG", [target, $0], trailing: true) })
        let first = state.withLock { state -> UInt64 in
            defer { state.sent += UInt64(pieces.count) }
            return state.sent + 1
        }
        // IRC assigns no message ids: these are ours, unique per connection.
        return SentMessage(ids: (0..<UInt64(pieces.count)).map { "irc-\(session.connectionID)-out-\(first + $0)" })
    }

    public func disconnect() async {
        let connection = state.withLock { state -> IRCConnection? in
            state.stopped = true
            return state.connection
        }
        outbox.close(Self.stoppedError)
        pings.close(Self.stoppedError)
        connection?.post(.stop)
        connection?.close(quit: .make("QUIT", ["gatewayd: disconnecting"], trailing: true))
    }

    public func channels() async -> [ChannelEntry] {
        let channels = state.withLock { $0.session?.channels ?? [] }
        return channels.map { ChannelEntry(id: $0, name: $0, kind: "channel") }
    }

    // MARK: - Shared with run()

    static let stoppedError = AdapterError(.network, code: "closed", message: "the IRC connection was closed by gatewayd")

    var isStopped: Bool { state.withLock { $0.stopped } }

    var liveConnection: IRCConnection? { state.withLock { $0.stopped ? nil : $0.connection } }

    /// Runs `body` on the session state (under the lock); nil before registration.
    func withSession<T>(_ body: (inout IRCSession) -> T) -> T? {
        state.withLock { state in
            guard var session = state.session else { return nil }
            defer { state.session = session }
            return body(&session)
        }
    }

    /// Writes `line` now (unpaced), logging its redacted form.
    func write(_ line: IRCLine, on connection: IRCConnection) async throws {
        log.trace("irc line sent", metadata: ["irc.line": "\(context.redactor.scrub(line.logText))"])
        try await connection.write(line)
    }

    /// Notes that a line arrived (the idle timer restarts from now).
    func touch() {
        let now = context.clock.nowMillis()
        activity.withLock {
            $0.count += 1
            $0.at = now
        }
    }

    // MARK: - Registration

    /// Registers and returns our nick; throws a classified failure.
    private func register(on connection: IRCConnection) async throws -> String {
        let deadline = context.clock.nowMillis() + settings.registerTimeoutMillis
        let timer = Task { [clock = context.clock] in
            do { try await clock.sleep(untilMillis: deadline) } catch { return }
            connection.post(.registrationDeadline)
        }
        defer { timer.cancel() }
        var registration = IRCRegistration(settings: settings)
        try await send(registration.start(), on: connection)
        for await event in connection.events {
            switch event {
            case .received(.line(let text)):
                touch()
                log.trace("irc line received", metadata: ["irc.line": "\(context.redactor.scrub(text))"])
                guard let message = IRCMessage(parsing: text) else { continue }
                switch registration.handle(message) {
                case .none: continue
                case .send(let lines): try await send(lines, on: connection)
                case .registered(let nick): return nick
                case .failed(let error): throw redacted(error)
                }
            case .received(.overlong(let bytes)):
                log.warning("irc overlong line dropped", metadata: ["irc.bytes": "\(bytes)"])
            case .transportFailed(let error), .abandoned(let error):
                throw redacted(error)
            case .closed:
                throw IRCFailures.classify(.endOfStream, message: "the server closed the connection during registration")
            case .registrationDeadline:
                throw IRCFailures.classify(.registrationTimeout, message: "no welcome (001) from the server within \(DurationText.describe(millis: settings.registerTimeoutMillis)) (last nick tried: \(registration.currentNick))")
            case .stop:
                throw Self.stoppedError
            }
        }
        throw IRCFailures.classify(.endOfStream, message: "the connection ended during registration")
    }

    /// Writes registration lines. A failed write means the channel closed: the reason (a TLS handshake failure, a
    /// reset) is already in the event stream, and it says more than "I/O on closed channel".
    private func send(_ lines: [IRCLine], on connection: IRCConnection) async throws {
        do {
            for line in lines { try await write(line, on: connection) }
        } catch {
            for await event in connection.events {
                switch event {
                case .transportFailed(let cause), .abandoned(let cause): throw redacted(cause)
                case .closed, .stop, .registrationDeadline: throw error
                case .received: continue
                }
            }
            throw error
        }
    }

    /// Sends the JOINs (as few lines as fit), booked on the pacer, and starts the session.
    private func join(on connection: IRCConnection, nick: String) async throws {
        let now = context.clock.nowMillis()
        state.withLock {
            $0.session = IRCSession(platform: context.platform, nick: nick, channels: settings.channels, connectionID: now)
        }
        activity.withLock { $0.at = now }
        log.info("irc registered", metadata: ["irc.nick": "\(nick)", "irc.channels": "\(settings.channels.joined(separator: ","))"])
        let lines = Self.joinLines(settings.channels)
        for (line, at) in zip(lines, outbox.book(lines.count)) {
            try await context.clock.sleep(untilMillis: at)
            try await write(line, on: connection)
        }
    }

    /// `JOIN #a,#b,…` lines, each within the line limit.
    static func joinLines(_ channels: [String]) -> [IRCLine] {
        var lines: [IRCLine] = []
        var batch: [String] = []
        for channel in channels {
            if !batch.isEmpty && ("JOIN " + (batch + [channel]).joined(separator: ",")).utf8.count > IRCLine.maxBytes - 2 {
                lines.append(.make("JOIN", [batch.joined(separator: ",")]))
                batch = []
            }
            batch.append(channel)
        }
        if !batch.isEmpty { lines.append(.make("JOIN", [batch.joined(separator: ",")])) }
        return lines
    }

    /// `error` with its text scrubbed of every configured secret.
    func redacted(_ error: AdapterError) -> AdapterError {
        var copy = error
        copy.message = context.redactor.scrub(error.message)
        return copy
    }
}
