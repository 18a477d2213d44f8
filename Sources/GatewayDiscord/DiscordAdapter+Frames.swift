import GatewayNetworking
import Foundation
import GatewayCore
import Logging

extension DiscordAdapter {
    /// Where the connection stands after one event.
    package enum Progress: Sendable, Equatable {
        case pending
        /// READY or RESUMED arrived: the connection is usable.
        case established
    }

    /// Handles one socket event; throws the failure that ends the connection.
    package func process(_ event: GatewaySocket.Event?) async throws(AdapterError) -> Progress {
        switch event {
        case .text(let text):
            guard let frame = GatewayFrame(text: text) else {
                throw await fail(DiscordFailures.protocolViolation, detail: "a frame that is not a gateway payload")
            }
            return try await handle(frame)
        case .closed(let code, let reason):
            throw await ended(code: code, reason: reason)
        case .failed(let text):
            if let ending { throw await endedByUs(ending) }
            throw await fail(DiscordFailures.socket, detail: text)
        case nil:
            throw await ended(code: nil, reason: nil)
        }
    }

    private func ended(code: Int?, reason: String?) async -> AdapterError {
        if let ending { return await endedByUs(ending) }
        let failure = DiscordFailures.close(code: code)
        let wait = failure.code == "4008" ? DiscordFailures.gatewayRateLimitMillis : nil
        return await fail(failure, detail: reason.flatMap { $0.isEmpty ? nil : String($0.prefix(200)) }, retryAfterMillis: wait)
    }

    /// The adapter closed the socket itself (a zombie): that is the failure, whatever the close code said.
    private func endedByUs(_ error: AdapterError) async -> AdapterError {
        await teardown(.keep)
        return error
    }

    private func handle(_ frame: GatewayFrame) async throws(AdapterError) -> Progress {
        switch frame.opcode {
        case .hello:
            try await hello(frame)
        case .heartbeatACK:
            heartbeat?.acknowledged()
        case .heartbeat:
            // The gateway asks for a heartbeat now; the schedule stays as it is.
            try? await socket?.send(GatewayFrame.heartbeat(seq: seq).text)
        case .reconnect:
            throw await fail(DiscordFailures.reconnectRequested)
        case .invalidSession:
            let resumable = frame.d.boolValue ?? false
            throw await fail(resumable ? DiscordFailures.invalidSessionResumable : DiscordFailures.invalidSession)
        case .dispatch:
            return try await dispatch(frame)
        case .identify, .resume, nil:
            logger.debug("ignoring an unexpected gateway opcode", metadata: ["discord.op": "\(frame.op)"])
        }
        return .pending
    }

    /// HELLO: start heartbeating, then RESUME the persisted session or IDENTIFY.
    private func hello(_ frame: GatewayFrame) async throws(AdapterError) {
        guard heartbeat == nil else { return }
        guard let interval = frame.d["heartbeat_interval"]?.intValue, interval > 0 else {
            throw await fail(DiscordFailures.protocolViolation, detail: "HELLO without a heartbeat_interval")
        }
        startHeartbeat(intervalMillis: interval)
        let token = settings.token.revealed
        let payload: GatewayFrame
        if let session {
            payload = .resume(token: token, sessionID: session.id, seq: seq)
            logger.debug("resuming the gateway session", metadata: ["discord.seq": "\(seq.map(String.init) ?? "-")"])
        } else {
            payload = .identify(token: token, intents: settings.intents)
            logger.info("identifying: starting a new gateway session", metadata: ["discord.intents": "\(settings.intents)"])
        }
        do {
            try await socket?.send(payload.text)
        } catch {
            throw await fail(DiscordFailures.socket, detail: "cannot send \(session == nil ? "IDENTIFY" : "RESUME"): \(error)")
        }
        if session == nil { await spendIdentify() }
    }

    /// One IDENTIFY was sent: the persisted budget goes down by one.
    private func spendIdentify() async {
        do {
            guard let text = try await context.cursor(DiscordCursors.identifyRemaining), let remaining = Int64(text) else { return }
            try await context.saveCursors([DiscordCursors.identifyRemaining: String(max(0, remaining - 1))])
        } catch {
            logger.error("cannot persist the IDENTIFY budget", metadata: ["error": "\(redactor.scrub("\(error)"))"])
        }
    }

    // MARK: - Dispatches

    /// Control dispatches: they complete an IDENTIFY or a RESUME and are never replays, whatever their `s`
    /// (PROTOCOLS.md: a RESUMED whose `s` is not above the last seq must still complete the resume).
    static let controlDispatches: Set<String> = ["READY", "RESUMED"]

    private func dispatch(_ frame: GatewayFrame) async throws(AdapterError) -> Progress {
        if let s = frame.s, !Self.controlDispatches.contains(frame.t ?? "") {
            // A replay of something already processed (a RESUME replays after the seq we sent).
            if let last = seq, s <= last { return .pending }
        }
        switch frame.t {
        case "READY":
            return try await ready(frame)
        case "RESUMED":
            // The seq never moves back: events after it are replayed with their own, higher, seqs.
            if let s = frame.s, s > (seq ?? .min) { seq = s }
            logger.info("gateway session resumed", metadata: ["discord.seq": "\(seq.map(String.init) ?? "-")"])
            return .established
        case "MESSAGE_CREATE":
            try await messageCreated(frame)
        case "GUILD_CREATE":
            guildCreated(frame.d)
        case "GUILD_DELETE":
            if let id = frame.d["id"]?.stringValue { guildChannels[id] = nil }
        default:
            break
        }
        if let s = frame.s { seq = s }
        return .pending
    }

    private func ready(_ frame: GatewayFrame) async throws(AdapterError) -> Progress {
        guard let id = frame.d["session_id"]?.stringValue, let url = frame.d["resume_gateway_url"]?.stringValue else {
            throw await fail(DiscordFailures.protocolViolation, detail: "READY without session_id or resume_gateway_url")
        }
        seq = frame.s
        let created = DiscordCursors.Session(id: id, resumeURL: url, seq: frame.s)
        session = created
        do {
            try await context.saveCursors(DiscordCursors.values(created))
            savedSeq = frame.s
        } catch {
            logger.error("cannot persist the discord session", metadata: ["error": "\(redactor.scrub("\(error)"))"])
        }
        logger.info("gateway session ready", metadata: ["discord.guilds": "\(frame.d["guilds"]?.arrayValue?.count ?? 0)"])
        return .established
    }

    /// Hands the message on with its seq as the cursor; only then does the seq advance. A failed hand-off closes the
    /// connection resumably, so the message is replayed.
    private func messageCreated(_ frame: GatewayFrame) async throws(AdapterError) {
        let d = frame.d
        let cursors = frame.s.map { [DiscordCursors.seq: String($0)] } ?? [:]
        let messages = DiscordInbound.message(d, platform: context.platform, ownUserID: userID).map { [$0] } ?? []
        do {
            try await context.handOff(messages, cursors: cursors)
            if let s = frame.s { savedSeq = s }
        } catch {
            throw await fail(DiscordFailures.handOffFailed, detail: "\(error)")
        }
    }

    /// Remembers the guild's text and announcement channels for the channel directory.
    private func guildCreated(_ guild: JSONValue) {
        guard let id = guild["id"]?.stringValue else { return }
        let guildName = guild["name"]?.stringValue ?? id
        let postable: Set<Int64> = [0, 5]  // GUILD_TEXT, GUILD_ANNOUNCEMENT
        guildChannels[id] = (guild["channels"]?.arrayValue ?? []).compactMap { channel in
            guard let channelID = channel["id"]?.stringValue, let type = channel["type"]?.intValue, postable.contains(type) else {
                return nil
            }
            return ChannelEntry(id: channelID, name: "\(guildName)/#\(channel["name"]?.stringValue ?? channelID)", kind: "channel")
        }
    }

    /// Discord's ISO 8601 timestamp (`2024-05-01T12:00:00.123000+00:00`) as Unix ms.
    static func millis(_ timestamp: String) -> Int64? {
        let date = (try? Date(timestamp, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
            ?? (try? Date(timestamp, strategy: Date.ISO8601FormatStyle()))
        return date.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
    }
}
