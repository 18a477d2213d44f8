import AsyncHTTPClient
import Foundation
import GatewayCore
import GatewayNetworking
import NIOCore

/// The Slack Web API calls gatewayd makes (https://docs.slack.dev/reference/methods), over the shared
/// ``PlatformHTTP`` client (a refused port or a DNS failure fails at once, classified).
///
/// Tokens travel only in `Authorization: Bearer` headers — never in a URL or a body — and every error text leaves
/// through the settings' redactor. Nothing here logs.
struct SlackWebAPI: Sendable {
    /// Which of the two tokens a call uses.
    enum Token: Sendable {
        case app
        case bot
    }

    /// `auth.test`: who the bot token belongs to.
    struct Identity: Sendable, Equatable {
        var userID: String
        var botID: String?
        var team: String?
    }

    static let maxBodyBytes = 4 << 20

    let settings: SlackSettings

    /// `auth.test` with the bot token: the credential check of a connect.
    func authTest() async throws(AdapterError) -> Identity {
        let reply = try await call("auth.test", token: .bot)
        guard let user = reply["user_id"]?.string else {
            throw SlackFailures.malformed.error(detail: "auth.test returned no user_id")
        }
        return Identity(userID: user, botID: reply["bot_id"]?.string, team: reply["team"]?.string)
    }

    /// `apps.connections.open` with the app token: a fresh single-use `wss://` URL for one Socket Mode connection.
    func openConnection() async throws(AdapterError) -> String {
        let reply = try await call("apps.connections.open", token: .app)
        guard let url = reply["url"]?.string, Endpoint(url: url) != nil, url.lowercased().hasPrefix("ws") else {
            throw SlackFailures.malformed.error(detail: "apps.connections.open returned no ws(s) url")
        }
        return url
    }

    /// `chat.postMessage`: returns the posted message's channel and `ts`.
    func postMessage(channel: String, text: String, threadTS: String?) async throws(AdapterError) -> (channel: String, ts: String) {
        var fields: [String: SlackJSON] = ["channel": .string(channel), "text": .string(text)]
        if let threadTS { fields["thread_ts"] = .string(threadTS) }
        let reply = try await call("chat.postMessage", token: .bot, json: .object(fields))
        guard let ts = reply["ts"]?.string else {
            throw SlackFailures.malformed.error(detail: "chat.postMessage returned no ts")
        }
        return (reply["channel"]?.string ?? channel, ts)
    }

    /// One page of `users.conversations` (the conversations the bot is a member of) and the next page's cursor.
    func conversations(cursor: String?) async throws(AdapterError) -> (channels: [SlackJSON], next: String?) {
        var form = ["types": "public_channel,private_channel,mpim,im", "exclude_archived": "true", "limit": "200"]
        if let cursor { form["cursor"] = cursor }
        let reply = try await call("users.conversations", token: .bot, form: form)
        let next = reply["response_metadata"]?["next_cursor"]?.string
        return (reply["channels"]?.array ?? [], next?.isEmpty == false ? next : nil)
    }

    // MARK: - Plumbing

    /// POSTs `method` and returns the body of an `ok: true` answer; throws the table's failure for anything else.
    private func call(
        _ method: String, token: Token, json: SlackJSON? = nil, form: [String: String] = [:]
    ) async throws(AdapterError) -> SlackJSON {
        var request = HTTPClientRequest(url: "\(settings.apiBase)/\(method)")
        request.method = .POST
        let secret = token == .app ? settings.appToken : settings.botToken
        request.headers.add(name: "Authorization", value: "Bearer \(secret.revealed)")
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
            request.body = .bytes(ByteBuffer(string: json.text))
        } else {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: Self.formEncoded(form)))
        }
        let status: Int, retryAfter: String?, body: SlackJSON?
        do {
            let response = try await PlatformHTTP.client.execute(request, timeout: .milliseconds(settings.requestTimeoutMillis))
            let bytes = try await response.body.collect(upTo: Self.maxBodyBytes)
            status = Int(response.status.code)
            retryAfter = response.headers.first(name: "Retry-After")
            body = SlackJSON(parsing: Data(bytes.readableBytesView))
        } catch is CancellationError {
            throw AdapterError(.network, code: "cancelled", message: "\(method) was cancelled")
        } catch {
            let (host, port) = TransportFailure.endpoint(of: settings.apiBase)
            let transport = TransportFailure(error, host: host, port: port)
            throw SlackFailures.transport(transport.kind).error(detail: settings.redactor.scrub("\(method): \(transport)"))
        }
        if status == 429 {
            throw SlackFailures.tooManyRequests.error(
                detail: "\(method), retry after \(retryAfter ?? "?") s", retryAfterMillis: Self.retryAfterMillis(retryAfter))
        }
        guard status == 200 else {
            throw SlackFailures.http(status: status).error(detail: method)
        }
        guard let body, let ok = body["ok"]?.bool else {
            throw SlackFailures.malformed.error(detail: "\(method) answered with no ok field")
        }
        guard ok else {
            let code = body["error"]?.string ?? "unknown"
            let failure = SlackFailures.webAPI(code)
            let wait = failure.errorClass == .rateLimited ? Self.retryAfterMillis(retryAfter) : nil
            throw failure.error(detail: method, retryAfterMillis: wait)
        }
        return body
    }

    /// `Retry-After` (whole seconds, per Slack) in milliseconds, at least 1 s; 1 s when missing or unreadable.
    static func retryAfterMillis(_ header: String?) -> Int64 {
        guard let header, let seconds = Double(header.trimmingCharacters(in: .whitespaces)), seconds.isFinite, seconds >= 0 else {
            return 1_000
        }
        return max(1_000, Int64((min(seconds, 86_400) * 1_000).rounded(.up)))
    }

    static func formEncoded(_ form: [String: String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return form.sorted { $0.key < $1.key }.map { key, value in
            "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&")
    }
}
