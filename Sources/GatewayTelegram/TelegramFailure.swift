import GatewayNetworking
import GatewayCore
import AsyncHTTPClient
import NIOCore

/// One failed Bot API call, as observed and before classification (`TelegramFailures` classifies it).
///
/// Every text in here is already redacted: a failure is built only by `TelegramClient`, which scrubs the token out of
/// server descriptions, response snippets and transport error texts before storing them.
package enum TelegramFailure: Error, Sendable, Equatable {
    /// The HTTP exchange itself failed: DNS, TCP, TLS, deadline, connection closed.
    case transport(method: TelegramMethod, kind: TransportKind, detail: String)
    /// The server answered `{"ok":false,…}` or an HTTP error status.
    case api(method: TelegramMethod, status: Int, description: String, retryAfterSeconds: Int? = nil, migrateTo: Int64? = nil)
    /// The server answered something that is not the Bot API envelope (not JSON, or not the expected shape).
    case invalidResponse(method: TelegramMethod, status: Int, detail: String)

    /// What went wrong under HTTP.
    package enum TransportKind: String, Sendable, Equatable, CaseIterable {
        case dns
        /// Nothing listens on the API port.
        case refused
        /// Connecting failed otherwise (unreachable, connect timeout).
        case connect
        case tls
        /// The request's deadline passed (for `getUpdates`: the long poll overran its read deadline).
        case timeout
        /// The server closed or reset the connection mid-request.
        case closed
        /// An HTTP-layer error of no known kind (classified as an unclassified network failure).
        case unknown
    }

    var method: TelegramMethod {
        switch self {
        case .transport(let method, _, _), .api(let method, _, _, _, _), .invalidResponse(let method, _, _): method
        }
    }

    /// Whether this is a `getUpdates` that overran its read deadline: poll again with the same offset.
    var isPollDeadline: Bool {
        if case .transport(.getUpdates, .timeout, _) = self { return true }
        return false
    }

    /// Describes an error thrown by AsyncHTTPClient/NIO without trusting its text: the kind comes from the type
    /// (``TransportFailure``), the detail says what happened with `host:port`, run through `redactor` and shortened.
    static func transport(_ error: any Error, method: TelegramMethod, host: String, port: Int, redactor: Redactor) -> TelegramFailure {
        let failure = TransportFailure(error, host: host, port: port)
        let detail = TelegramText.snippet(redactor.scrub(failure.description), max: 200)
        return .transport(method: method, kind: kind(of: error, as: failure.kind), detail: detail)
    }

    static func kind(of error: any Error) -> TransportKind {
        kind(of: error, as: TransportFailure.kind(of: error))
    }

    /// A connect timeout is not a poll deadline (which means "poll again"): it is a failure to connect.
    private static func kind(of error: any Error, as shared: TransportFailure.Kind) -> TransportKind {
        if let error = error as? HTTPClientError, error == .connectTimeout { return .connect }
        if let error = error as? ChannelError, case .connectTimeout = error { return .connect }
        switch shared {
        case .dns: return .dns
        case .refused: return .refused
        case .unreachable: return .connect
        case .tls: return .tls
        case .timeout: return .timeout
        case .closed: return .closed
        case .unknown: return .unknown
        }
    }
}

/// Text helpers for error messages built from untrusted input.
enum TelegramText {
    /// `text` on one line, at most `max` characters (with "…" when cut).
    static func snippet(_ text: String, max: Int) -> String {
        let line = String(text.map { $0.isNewline ? " " : $0 })
        return line.count <= max ? line : String(line.prefix(max)) + "…"
    }
}
