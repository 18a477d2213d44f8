import Foundation
import HummingbirdWebSocket

@testable import GatewaySlack

/// What the local Slack (``SlackTestServer``) knows and does: workspace, tokens, posts, the envelope queue, and the
/// faults a test injects. Kept across a stop/start, as a real workspace keeps its history.
actor SlackServerState {
    static let botUserID = "UBOT0001"
    static let botID = "BBOT0001"
    static let userID = "UUSER001"

    struct Post: Sendable, Equatable {
        var channel: String
        var text: String
        var threadTS: String?
        var ts: String
    }

    /// One queued Socket Mode envelope: delivered until acknowledged.
    struct Envelope: Sendable {
        var id: String
        var type: String
        var payload: SlackJSON
        /// Deliveries so far (the next one says `retry_attempt: deliveries`).
        var deliveries = 0
        /// The socket it was last written to.
        var deliveredOn: Int?
    }

    // MARK: - Knobs
    var botToken: String
    var appToken: String
    var port = 0
    /// The bot's own posts come back as `message` events with `bot_id` (as Slack sends them).
    var echoBotPosts = true
    /// The next N Web API calls of a method answer HTTP 429 with this Retry-After (seconds).
    var tooManyRequests: [String: (count: Int, retryAfter: Int)] = [:]
    /// Web API calls of a method answer `{"ok": false, "error": code}` (until the knob is cleared).
    var apiErrors: [String: String] = [:]
    /// Web API calls of a method answer this HTTP status (a 5xx), with no JSON.
    var httpStatus: [String: Int] = [:]
    /// `chat.postMessage` to this channel answers this error.
    var channelErrors: [String: String] = [:]
    /// Envelopes the server delivers but the client's acks for which it ignores.
    var ignoreAcks = false
    /// What `hello` sends first: nil for a normal hello, or a reason for a `disconnect` instead.
    var helloDisconnect: String?
    /// The socket opens but never says hello.
    var withholdHello = false
    /// The next `chat.postMessage` creates its message, then its answer never comes (a crash test kills the client
    /// meanwhile); one-shot.
    var acceptThenHang = false
    /// The posts whose answer was withheld.
    private(set) var acceptedThenHung: [Post] = []

    /// Takes the one-shot ``acceptThenHang`` for a post just recorded: true when its answer is to be withheld.
    func takeAcceptThenHang() -> Bool {
        guard acceptThenHang, let last = posts.last else { return false }
        acceptThenHang = false
        acceptedThenHung.append(last)
        return true
    }
    var channels: [(id: String, name: String)] = [("C0GENERAL", "general"), ("C0RANDOM1", "random")]

    // MARK: - Records
    private(set) var logins = 0
    private(set) var authTests = 0
    private(set) var posts: [Post] = []
    private(set) var acked: [String] = []
    private(set) var deliveries: [(envelope: String, attempt: Int, reason: String?)] = []
    private(set) var connectionsTotal = 0
    private(set) var authorizations: Set<String> = []
    private(set) var urlsSeen: [String] = []
    private var queue: [Envelope] = []
    private var sockets: [Int: WebSocketOutboundWriter] = [:]
    private var nextSocket = 0
    private var nextTS = 0
    private var nextEnvelope = 0

    init(botToken: String, appToken: String) {
        self.botToken = botToken
        self.appToken = appToken
    }

    func update(_ change: @Sendable (isolated SlackServerState) -> Void) { change(self) }

    var connectionsOpen: Int { sockets.count }
    var pending: Int { queue.count }

    // MARK: - Web API

    func sawRequest(authorization: String?, url: String) {
        if let authorization { authorizations.insert(authorization) }
        urlsSeen.append(url)
    }

    /// An injected failure for `method`: a 429 (with Retry-After) or an error code.
    func injected(_ method: String) -> (retryAfter: Int?, error: String?, status: Int?) {
        if let status = httpStatus[method] { return (nil, nil, status) }
        if let limit = tooManyRequests[method], limit.count > 0 {
            tooManyRequests[method] = limit.count > 1 ? (limit.count - 1, limit.retryAfter) : nil
            return (limit.retryAfter, nil, nil)
        }
        if let error = apiErrors[method] { return (nil, error, nil) }
        return (nil, nil, nil)
    }

    func countLogin() { logins += 1 }
    func countAuthTest() { authTests += 1 }

    func timestamp() -> String {
        nextTS += 1
        return String(format: "1700000000.%06d", nextTS)
    }

    /// A bot post: recorded, and echoed back as an event with `bot_id` (unless the knob is off).
    func post(channel: String, text: String, threadTS: String?) -> String {
        let ts = timestamp()
        posts.append(Post(channel: channel, text: text, threadTS: threadTS, ts: ts))
        if echoBotPosts {
            var event: [String: SlackJSON] = [
                "type": .string("message"), "channel": .string(channel), "user": .string(Self.botUserID),
                "bot_id": .string(Self.botID), "text": .string(text), "ts": .string(ts), "channel_type": .string("channel"),
            ]
            if let threadTS { event["thread_ts"] = .string(threadTS) }
            enqueue(type: "events_api", payload: Self.callback(.object(event)))
        }
        return ts
    }

    // MARK: - Users post; envelopes

    /// A user writes `texts` into `channel`: one `events_api` envelope each, delivered now if a socket is open,
    /// else when one opens. Returns their message ids (`<channel>:<ts>`).
    @discardableResult
    func userPosts(_ texts: [String], channel: String = "C0GENERAL", threadTS: String? = nil, extra: [String: SlackJSON] = [:]) async -> [String] {
        var ids: [String] = []
        for text in texts {
            let ts = timestamp()
            var event: [String: SlackJSON] = [
                "type": .string("message"), "channel": .string(channel), "user": .string(Self.userID), "text": .string(text),
                "ts": .string(ts), "channel_type": .string("channel"), "client_msg_id": .string(UUID().uuidString),
            ]
            if let threadTS { event["thread_ts"] = .string(threadTS) }
            for (key, value) in extra { event[key] = value }
            enqueue(type: "events_api", payload: Self.callback(.object(event)))
            ids.append("\(channel):\(ts)")
        }
        await deliverAll()
        return ids
    }

    /// Any envelope (a slash command, an interactive payload, an event the adapter skips).
    func enqueueEnvelope(type: String, payload: SlackJSON) async {
        enqueue(type: type, payload: payload)
        await deliverAll()
    }

    private func enqueue(type: String, payload: SlackJSON) {
        nextEnvelope += 1
        queue.append(Envelope(id: "env-\(nextEnvelope)", type: type, payload: payload))
    }

    static func callback(_ event: SlackJSON) -> SlackJSON {
        .object([
            "type": .string("event_callback"), "team_id": .string("T0TEAM01"), "api_app_id": .string("A0APP001"),
            "event": event, "event_id": .string("Ev\(UUID().uuidString.prefix(8))"),
        ])
    }

    // MARK: - Sockets

    func opened(_ writer: WebSocketOutboundWriter) -> Int {
        nextSocket += 1
        connectionsTotal += 1
        sockets[nextSocket] = writer
        return nextSocket
    }

    private(set) var closedLog: [Int] = []
    func closed(_ socket: Int) {
        if sockets[socket] != nil { closedLog.append(socket) }
        sockets[socket] = nil
    }

    /// Writes every queued envelope this connection has not had yet, to the newest socket (Slack picks one). An
    /// envelope delivered before — on a connection that closed unacknowledged — goes again with `retry_attempt`
    /// (its earlier deliveries) and `retry_reason: timeout`.
    ///
    /// One delivery pass at a time, in queue order: the actor is re-entered at each write, and two passes at once (a
    /// post while a new socket's first pass still writes) put later envelopes on the wire before earlier ones — a
    /// full CI run saw in-6 arrive after in-7 and in-8. A call during a pass makes that pass go round again.
    func deliverAll() async {
        guard !delivering else {
            deliverAgain = true
            return
        }
        delivering = true
        defer { delivering = false }
        repeat {
            deliverAgain = false
            guard let (socket, writer) = sockets.max(by: { $0.key < $1.key }) else { return }
            // By id: an acknowledgement during a write removes envelopes and moves the rest.
            for id in queue.filter({ $0.deliveredOn != socket }).map(\.id) {
                guard let index = queue.firstIndex(where: { $0.id == id }) else { continue }
                let envelope = queue[index]
                let frame: SlackJSON = .object([
                    "envelope_id": .string(envelope.id), "type": .string(envelope.type), "payload": envelope.payload,
                    "accepts_response_payload": .bool(false), "retry_attempt": .number(Double(envelope.deliveries)),
                    "retry_reason": .string(envelope.deliveries > 0 ? "timeout" : ""),
                ])
                queue[index].deliveries += 1
                queue[index].deliveredOn = socket
                deliveries.append((envelope.id, envelope.deliveries, envelope.deliveries > 0 ? "timeout" : nil))
                try? await writer.write(.text(frame.text))
            }
        } while deliverAgain
    }

    private var delivering = false
    private var deliverAgain = false

    func ack(_ envelopeID: String) {
        guard !ignoreAcks else {
            ignoredAcks += 1
            return
        }
        acked.append(envelopeID)
        queue.removeAll { $0.id == envelopeID }
    }

    /// Sends a `disconnect` frame with `reason` on every open socket (they stay open: the client closes them).
    private(set) var disconnectsSent: [Int] = []
    private(set) var ignoredAcks = 0

    func sendDisconnect(_ reason: String) async {
        for (socket, writer) in sockets {
            disconnectsSent.append(socket)
            try? await writer.write(.text(SlackJSON.object([
                "type": .string("disconnect"), "reason": .string(reason),
                "debug_info": .object(["host": .string("applink-test")]),
            ]).text))
        }
    }

    /// Closes every socket with a close frame and no `disconnect` frame before it.
    func dropSockets() async {
        for writer in sockets.values { try? await writer.close(.goingAway, reason: "dropped by the test server") }
    }
}
