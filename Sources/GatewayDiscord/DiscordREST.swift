import GatewayNetworking
import GatewayCore
import AsyncHTTPClient
import Foundation
import NIOCore

/// The Discord REST calls gatewayd makes, over async-http-client's shared client.
///
/// Every request carries `Authorization: Bot {token}` and the `DiscordBot` User-Agent. Nothing here logs, and every
/// error text leaves through ``redactor`` — the token never reaches an error.
struct DiscordREST: Sendable {
    /// What one HTTP exchange returned.
    struct Reply: Sendable {
        var status: Int
        var json: JSONValue?
        var retryAfterHeader: String?
        var globalHeader: String?
    }

    /// `GET /gateway/bot`.
    struct GatewayInfo: Sendable, Equatable {
        var url: String
        var budget: DiscordCursors.Budget
        /// `session_start_limit.reset_after`, ms from now.
        var resetAfterMillis: Int64
    }

    /// A 429's wait.
    struct RateLimit: Sendable, Equatable {
        var retryAfterMillis: Int64
        var global: Bool
    }

    static let timeout: TimeAmount = .seconds(15)
    static let maxBodyBytes = 1 << 20

    let apiBase: String
    let token: Secret
    let redactor: Redactor

    // MARK: - Calls made while connecting

    /// `GET /users/@me`: the credentials check. Returns the bot user's id.
    func currentUser(now: Int64) async throws(AdapterError) -> String {
        let reply = try await exchange("GET", "/users/@me")
        try check(reply, now: now)
        guard let id = reply.json?["id"]?.stringValue else { throw DiscordFailures.restMalformed.error(detail: "/users/@me has no id") }
        return id
    }

    /// `GET /gateway/bot`: the gateway URL and the IDENTIFY budget.
    func gatewayBot(now: Int64) async throws(AdapterError) -> GatewayInfo {
        let reply = try await exchange("GET", "/gateway/bot")
        try check(reply, now: now)
        guard let json = reply.json, let url = json["url"]?.stringValue,
            let limit = json["session_start_limit"], let remaining = limit["remaining"]?.intValue,
            let resetAfter = limit["reset_after"]?.intValue
        else { throw DiscordFailures.restMalformed.error(detail: "/gateway/bot lacks url or session_start_limit") }
        let total = limit["total"]?.intValue ?? remaining
        let budget = DiscordCursors.Budget(remaining: remaining, total: total, resetAt: now + max(0, resetAfter))
        return GatewayInfo(url: url, budget: budget, resetAfterMillis: max(0, resetAfter))
    }

    // MARK: - Sending

    /// What one `POST /channels/{id}/messages` came to.
    enum PostOutcome: Sendable {
        case created(id: String)
        case rateLimited(RateLimit)
        case failed(AdapterError)
    }

    /// `POST /channels/{channel}/messages` with `content` (≤ 2000 characters) and, when given, `nonce` with
    /// `enforce_nonce: true` (Discord then answers a repeated nonce from us within a few minutes with the message it
    /// already created). With `replyTo`, a `message_reference` threads it under that message of the channel, with
    /// `fail_if_not_exists: false`: a deleted original does not cost the reply. A 429 is returned, not thrown, so the
    /// caller can wait and retry; transport failures are thrown.
    func postMessage(
        channel: String, content: String, nonce: String? = nil, replyTo: String? = nil
    ) async throws(AdapterError) -> PostOutcome {
        var fields: [String: JSONValue] = ["content": .string(content)]
        if let nonce {
            fields["nonce"] = .string(nonce)
            fields["enforce_nonce"] = .bool(true)
        }
        if let replyTo {
            fields["message_reference"] = .object(["message_id": .string(replyTo), "fail_if_not_exists": .bool(false)])
        }
        let body = JSONValue.object(fields)
        let reply = try await exchange("POST", "/channels/\(channel)/messages", body: body)
        switch reply.status {
        case 200...299:
            guard let id = reply.json?["id"]?.stringValue else {
                return .failed(DiscordFailures.restMalformed.error(detail: "the created message has no id"))
            }
            return .created(id: id)
        case 429:
            return .rateLimited(Self.rateLimit(reply))
        default:
            let jsonCode = reply.json?["code"]?.intValue.map(Int.init)
            let detail = describe(reply)
            if let perMessage = DiscordFailures.message(status: reply.status, jsonCode: jsonCode) {
                return .failed(perMessage.error(detail: detail))
            }
            return .failed(DiscordFailures.rest(status: reply.status).error(detail: detail))
        }
    }

    // MARK: - Plumbing

    /// Throws the table's failure for a non-2xx reply.
    private func check(_ reply: Reply, now: Int64) throws(AdapterError) {
        guard !(200...299).contains(reply.status) else { return }
        let failure = DiscordFailures.rest(status: reply.status)
        let wait = reply.status == 429 ? Self.rateLimit(reply).retryAfterMillis : nil
        throw failure.error(detail: describe(reply), retryAfterMillis: wait)
    }

    /// Discord's own error text (`message`, `code`), redacted; never the request.
    private func describe(_ reply: Reply) -> String {
        var parts: [String] = []
        if let code = reply.json?["code"]?.intValue { parts.append("code \(code)") }
        if let message = reply.json?["message"]?.stringValue { parts.append(String(message.prefix(300))) }
        return redactor.scrub(parts.isEmpty ? "HTTP \(reply.status)" : parts.joined(separator: ": "))
    }

    /// The wait a 429 asks for: the body's `retry_after` (float seconds), else the `Retry-After` header; rounded up
    /// to whole milliseconds, at least 1.
    static func rateLimit(_ reply: Reply) -> RateLimit {
        let seconds = reply.json?["retry_after"]?.doubleValue ?? reply.retryAfterHeader.flatMap { Double($0) } ?? 1
        let millis = seconds.isFinite ? Int64((max(0, seconds) * 1000).rounded(.up)) : 1000
        let global = reply.json?["global"]?.boolValue ?? (reply.globalHeader?.lowercased() == "true")
        return RateLimit(retryAfterMillis: max(1, millis), global: global)
    }

    private func exchange(_ method: String, _ path: String, body: JSONValue? = nil) async throws(AdapterError) -> Reply {
        var request = HTTPClientRequest(url: apiBase + path)
        request.method = method == "POST" ? .POST : .GET
        request.headers.add(name: "Authorization", value: "Bot \(token.revealed)")
        request.headers.add(name: "User-Agent", value: DiscordSettings.userAgent)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.text))
        }
        do {
            let response = try await PlatformHTTP.client.execute(request, timeout: Self.timeout)
            let bytes = try await response.body.collect(upTo: Self.maxBodyBytes)
            return Reply(
                status: Int(response.status.code), json: JSONValue(parsing: Data(bytes.readableBytesView)),
                retryAfterHeader: response.headers.first(name: "Retry-After"),
                globalHeader: response.headers.first(name: "X-RateLimit-Global"))
        } catch is CancellationError {
            throw AdapterError(.network, code: "cancelled", message: "the request was cancelled")
        } catch {
            let (host, port) = TransportFailure.endpoint(of: apiBase)
            let transport = TransportFailure(error, host: host, port: port)
            throw DiscordFailures.restTransport(transport.kind).error(detail: redactor.scrub("\(method) \(path): \(transport)"))
        }
    }
}
