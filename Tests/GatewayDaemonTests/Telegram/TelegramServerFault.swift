import Foundation

/// What the local Telegram server does instead of answering a request normally.
enum TelegramServerFault: Sendable, Equatable {
    /// `{"ok":false,"error_code":status,"description":…,"parameters":{…}}` with that HTTP status.
    case error(status: Int, description: String, retryAfter: Int? = nil, migrateTo: Int64? = nil)
    /// HTTP 200 with a body that is not JSON.
    case invalidJSON(String)
    /// Never answers; only a drop (`dropHeldRequests`, `stop`) ends it.
    case hang
    /// Closes the connection as soon as the request arrives, without a byte of response.
    case drop
    /// `sendMessage` only: the message is delivered (recorded in `sent`), then the answer never comes — only a drop
    /// ends it. The client cannot know the message arrived (a crash or timeout in flight).
    case acceptThenHang

    static let unauthorized = error(status: 401, description: "Unauthorized")
    static let notFound = error(status: 404, description: "Not Found")
    static let misdirected = error(status: 421, description: "Misdirected Request")
    static let otherPoller = error(
        status: 409,
        description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
    static let webhookActive = error(
        status: 409,
        description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
    static let loggedOut = error(status: 400, description: "Bad Request: Logged out")
    static let badGateway = error(status: 502, description: "Bad Gateway")
    static let blocked = error(status: 403, description: "Forbidden: bot was blocked by the user")
    static let chatNotFound = error(status: 400, description: "Bad Request: chat not found")
    static let garbage = invalidJSON("<html><body>502 Bad Gateway</body></html>")

    static func tooManyRequests(retryAfter: Int) -> TelegramServerFault {
        .error(status: 429, description: "Too Many Requests: retry after \(retryAfter)", retryAfter: retryAfter)
    }

    static func migrated(to chat: Int64) -> TelegramServerFault {
        .error(status: 400, description: "Bad Request: group chat was upgraded to a supergroup chat", migrateTo: chat)
    }
}

/// The Bot API's JSON envelopes, as the server writes them.
enum TelegramServerJSON {
    static func ok(_ result: Any) -> Data {
        encode(["ok": true, "result": result])
    }

    static func error(status: Int, description: String, retryAfter: Int? = nil, migrateTo: Int64? = nil) -> Data {
        var object: [String: Any] = ["ok": false, "error_code": status, "description": description]
        var parameters: [String: Any] = [:]
        if let retryAfter { parameters["retry_after"] = retryAfter }
        if let migrateTo { parameters["migrate_to_chat_id"] = migrateTo }
        if !parameters.isEmpty { object["parameters"] = parameters }
        return encode(object)
    }

    static func encode(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }
}
