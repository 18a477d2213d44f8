import Foundation
import HummingbirdWebSocket

@testable import GatewayCore
@testable import GatewayDiscord
@testable import GatewayDaemon
@testable import GatewayRuntime

/// The local Discord's memory: its knobs (fault injection), its sessions, and what the client sent.
actor TestGatewayState {
    // MARK: - Knobs

    /// Fault injection and server behaviour, changed by tests through ``update(_:)``.
    struct Knobs: Sendable {
        /// HELLO's `heartbeat_interval`, in the client's clock millis (the adapter heartbeats on the injected clock).
        var heartbeatIntervalMillis: Int64 = 3_600_000
        /// Off: heartbeats go unanswered (a zombie connection).
        var acknowledgeHeartbeats = true
        /// Closes the socket with this code right after an IDENTIFY (4004, 4014, …).
        var identifyCloseCode: Int?
        var sessionStartTotal: Int64 = 1000
        var sessionStartRemaining: Int64 = 1000
        var sessionStartResetAfterMillis: Int64 = 86_400_000
        /// The token REST and IDENTIFY/RESUME accept.
        var validToken = ""
        /// Answers the next POSTs with 429 `{retry_after, global}` (seconds), one entry per POST.
        var rateLimits: [RateLimit] = []
        /// Answers POSTs to a channel with an HTTP status and a Discord JSON error code.
        var channelFailures: [String: Failure] = [:]
        /// Answers `users/@me` or `gateway/bot` with this HTTP status instead (429 carries `retry_after` 7.5 s).
        var restStatus: [String: Int] = [:]
        /// A RESUME replays this many already-seen events too (READY excepted): the client must drop them.
        var replayOverlap: Int64 = 0
        /// RESUMED carries the session's last seq again instead of a new one (its `s` is not above the client's).
        var resumedReusesSeq = false
        /// How long a Create Message `nonce` with `enforce_nonce` is remembered ("checked for uniqueness in the past
        /// few minutes"), in real time.
        var nonceWindow: Duration = .seconds(300)
        /// After recording the POST with this number (1-based, counting created messages), hold its response until
        /// this knob changes: the message exists, but the client does not know yet (for crash-in-flight tests).
        var holdPost: Int?
        /// The guild channels GUILD_CREATE announces.
        var guildChannels: [Channel] = [
            Channel(id: "100", name: "general", type: 0), Channel(id: "101", name: "voice", type: 2),
            Channel(id: "102", name: "news", type: 5),
        ]
    }

    struct RateLimit: Sendable {
        var retryAfter: Double
        var global: Bool
    }

    struct Failure: Sendable {
        var status: Int
        var code: Int
    }

    struct Channel: Sendable {
        var id: String
        var name: String
        var type: Int
    }

    private(set) var knobs = Knobs()

    func update(_ change: @Sendable (inout Knobs) -> Void) { change(&knobs) }

    // MARK: - Recordings

    private(set) var identifies = 0
    private(set) var resumes: [(sessionID: String, seq: Int64?)] = []
    /// The `d` of every heartbeat (nil for null).
    private(set) var heartbeats: [Int64?] = []
    /// ACKs written (after the write, so a later frame on the socket arrives after them).
    private(set) var acksSent = 0
    /// Every token the client presented: Authorization headers and IDENTIFY/RESUME payloads.
    private(set) var tokensSeen: Set<String> = []
    private(set) var userAgents: Set<String> = []
    /// The request path of every WebSocket connection (`/?v=10&encoding=json`, `/resume/?v=10…`).
    private(set) var socketPaths: [String] = []
    /// Close codes the client sent (parsed from the server's frame trace, see `CloseFrameRecorder`).
    nonisolated let clientCloseCodes = CloseCodeLog()
    private(set) var posts: [(channel: String, content: String, nonce: String?)] = []
    /// The `message_reference.message_id` of each post (nil: not a reply), by post number from 1.
    private(set) var replies: [Int: String] = [:]
    /// POSTs answered with the message an earlier POST with the same nonce created (nothing new posted).
    private(set) var nonceReplays: [(nonce: String, id: String)] = []
    /// The POST number being held by ``Knobs/holdPost``, once it arrived.
    private(set) var heldPost: Int?
    /// Enforced nonces: the message each created, and when (real time).
    private var nonces: [String: (id: String, channel: String, content: String, at: ContinuousClock.Instant)] = [:]
    private(set) var postAttempts = 0
    private(set) var connectionsOpen = 0
    private(set) var connectionsTotal = 0

    // MARK: - Sessions

    struct Session {
        var events: [(seq: Int64, text: String)] = []
        var seq: Int64 = 0
    }

    private var sessions: [String: Session] = [:]
    private(set) var latestSessionID: String?
    private var live: (id: Int, writer: WebSocketOutboundWriter, session: String?)?
    private var nextConnection = 0
    private var nextMessage = 0
    var port = 0

    var baseURL: String { "ws://127.0.0.1:\(port)" }

    // MARK: - Connections

    func opened(path: String, writer: WebSocketOutboundWriter) -> Int {
        nextConnection += 1
        connectionsOpen += 1
        connectionsTotal += 1
        socketPaths.append(path)
        live = (nextConnection, writer, nil)
        return nextConnection
    }

    func closed(_ connection: Int) {
        connectionsOpen -= 1
        if live?.id == connection { live = nil }
    }

    func recordREST(authorization: String?, userAgent: String?) -> Bool {
        if let authorization { tokensSeen.insert(String(authorization.dropFirst("Bot ".count))) }
        if let userAgent { userAgents.insert(userAgent) }
        return authorization == "Bot \(knobs.validToken)"
    }

    /// What the socket answers to one client frame.
    enum Reply: Sendable {
        case send(String)
        case close(Int)
    }

    func received(_ frame: GatewayFrame, on connection: Int) -> [Reply] {
        switch frame.opcode {
        case .heartbeat:
            heartbeats.append(frame.d.intValue)
            return knobs.acknowledgeHeartbeats ? [.send(GatewayFrame(.heartbeatACK).text)] : []
        case .identify:
            identifies += 1
            let token = frame.d["token"]?.stringValue ?? ""
            tokensSeen.insert(token)
            if let code = knobs.identifyCloseCode { return [.close(code)] }
            if token != knobs.validToken { return [.close(4004)] }
            return identify(on: connection)
        case .resume:
            let id = frame.d["session_id"]?.stringValue ?? ""
            let seq = frame.d["seq"]?.intValue
            resumes.append((id, seq))
            tokensSeen.insert(frame.d["token"]?.stringValue ?? "")
            return resume(id, after: seq ?? 0, on: connection)
        default:
            return []
        }
    }

    private func identify(on connection: Int) -> [Reply] {
        let id = "session-\(sessions.count + 1)"
        sessions[id] = Session()
        latestSessionID = id
        attach(connection, to: id)
        let ready = append(to: id, type: "READY", d: .object([
            "v": .int(10), "session_id": .string(id), "resume_gateway_url": .string("\(baseURL)/resume"),
            "user": .object(["id": .string("bot-1"), "username": .string("gatewayd-test")]),
            "guilds": .array([.object(["id": .string("900"), "unavailable": .bool(true)])]),
        ]))
        let channels = knobs.guildChannels.map { channel in
            JSONValue.object(["id": .string(channel.id), "name": .string(channel.name), "type": .int(Int64(channel.type))])
        }
        let guild = append(to: id, type: "GUILD_CREATE", d: .object([
            "id": .string("900"), "name": .string("Test Guild"), "channels": .array(channels),
        ]))
        return [.send(ready), .send(guild)]
    }

    private func resume(_ id: String, after seq: Int64, on connection: Int) -> [Reply] {
        guard let session = sessions[id] else { return [.send(GatewayFrame(.invalidSession, d: .bool(false)).text)] }
        attach(connection, to: id)
        let from = seq - knobs.replayOverlap
        let replay = session.events.filter { $0.seq > from && ($0.seq > seq || !$0.text.contains("\"READY\"")) }
            .map { Reply.send($0.text) }
        if knobs.resumedReusesSeq {
            return replay + [.send(GatewayFrame(.dispatch, d: .null, s: session.seq, t: "RESUMED").text)]
        }
        return replay + [.send(append(to: id, type: "RESUMED", d: .null))]
    }

    private func attach(_ connection: Int, to session: String) {
        if let current = live, current.id == connection { live = (current.id, current.writer, session) }
    }

    private func append(to session: String, type: String, d: JSONValue) -> String {
        var state = sessions[session] ?? Session()
        state.seq += 1
        let text = GatewayFrame(.dispatch, d: d, s: state.seq, t: type).text
        state.events.append((state.seq, text))
        sessions[session] = state
        return text
    }

    // MARK: - Test-side actions

    /// Adds a MESSAGE_CREATE to the latest session (replayed on RESUME) and sends it if that session is live.
    /// Returns the message id.
    @discardableResult
    func dispatchMessage(
        channel: String = "100", content: String, author: String = "user-7", extra: [String: JSONValue] = [:]
    ) async throws -> String {
        guard let session = latestSessionID else { throw TestGatewayError("no session to dispatch into") }
        nextMessage += 1
        let id = "msg-\(nextMessage)"
        var fields: [String: JSONValue] = [
            "id": .string(id), "channel_id": .string(channel), "content": .string(content),
            "author": .object(["id": .string(author), "username": .string("someone")]),
            "timestamp": .string("2027-01-15T08:00:00.250000+00:00"),
        ]
        fields.merge(extra) { _, new in new }
        let text = append(to: session, type: "MESSAGE_CREATE", d: .object(fields))
        // Like a real gateway: the event is in the session's replay buffer either way; a socket that is closing as we
        // write (the client hung up, or `closeLive` just closed it) loses only this copy of it.
        if let live, live.session == session { try? await live.writer.write(.text(text)) }
        return id
    }

    /// Sends a raw payload on the live socket.
    func sendRaw(_ frame: GatewayFrame) async throws {
        guard let live else { throw TestGatewayError("no live socket") }
        try await live.writer.write(.text(frame.text))
    }

    /// Closes the live socket with `code`.
    func closeLive(code: Int) async throws {
        guard let closing = live else { throw TestGatewayError("no live socket") }
        live = nil  // nothing more goes out on it, even before the close handshake has finished
        try await closing.writer.close(.unknown(UInt16(code)), reason: "test gateway closes with \(code)")
    }

    /// Forgets every session: a RESUME is answered with op 9 d=false.
    func expireSessions() { sessions = [:] }

    func nextRateLimit() -> RateLimit? { knobs.rateLimits.isEmpty ? nil : knobs.rateLimits.removeFirst() }

    func recordPost(channel: String, content: String, nonce: String? = nil, replyTo: String? = nil) -> Int {
        postAttempts += 1
        posts.append((channel, content, nonce))
        if let replyTo { replies[posts.count] = replyTo }
        return posts.count
    }

    /// Create Message with `enforce_nonce`: the message an earlier POST with this nonce created within the window
    /// (Discord returns it and creates nothing), or nil — then the caller creates it and calls ``rememberNonce``.
    func existingMessage(nonce: String) -> (id: String, channel: String, content: String)? {
        guard let known = nonces[nonce], ContinuousClock.now - known.at < knobs.nonceWindow else { return nil }
        postAttempts += 1
        nonceReplays.append((nonce, known.id))
        return (known.id, known.channel, known.content)
    }

    func rememberNonce(_ nonce: String, id: String, channel: String, content: String) {
        nonces[nonce] = (id, channel, content, .now)
    }

    /// Holds the caller while ``Knobs/holdPost`` asks for POST `number` to be held.
    func holdIfAsked(_ number: Int) async {
        guard knobs.holdPost == number else { return }
        heldPost = number
        while knobs.holdPost == number { try? await Task.sleep(for: .milliseconds(10)) }
    }

    func countPostAttempt() { postAttempts += 1 }

    /// `GET /users/@me` requests (the adapter's credential check), authorized or not.
    private(set) var usersMeRequests = 0

    func countUsersMe() { usersMeRequests += 1 }

    func ackWritten() { acksSent += 1 }

    /// Sends any text (not necessarily a gateway payload) on the live socket.
    func sendText(_ text: String) async throws {
        guard let live else { throw TestGatewayError("no live socket") }
        try await live.writer.write(.text(text))
    }
}

struct TestGatewayError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension TestGatewayState {
    func setPort(_ port: Int) { self.port = port }
}
