import AsyncHTTPClient
import NIOCore
import NIOPosix
import NIOSSL

/// One failed Bot API call, as observed and before classification (`TelegramFailures` classifies it).
///
/// Every text in here is already redacted: a failure is built only by `TelegramClient`, which scrubs the token out of
/// server descriptions, response snippets and transport error texts before storing them.
enum TelegramFailure: Error, Sendable, Equatable {
    /// The HTTP exchange itself failed: DNS, TCP, TLS, deadline, connection closed.
    case transport(method: TelegramMethod, kind: TransportKind, detail: String)
    /// The server answered `{"ok":false,…}` or an HTTP error status.
    case api(method: TelegramMethod, status: Int, description: String, retryAfterSeconds: Int? = nil, migrateTo: Int64? = nil)
    /// The server answered something that is not the Bot API envelope (not JSON, or not the expected shape).
    case invalidResponse(method: TelegramMethod, status: Int, detail: String)

    /// What went wrong under HTTP.
    enum TransportKind: String, Sendable, Equatable, CaseIterable {
        case dns
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

    /// Describes an error thrown by AsyncHTTPClient/NIO without trusting its text: the kind comes from the type, the
    /// detail is the error's description run through `redactor` and shortened.
    static func transport(_ error: any Error, method: TelegramMethod, redactor: Redactor) -> TelegramFailure {
        let detail = TelegramText.snippet(redactor.scrub(String(describing: error)), max: 200)
        return .transport(method: method, kind: kind(of: error), detail: detail)
    }

    static func kind(of error: any Error) -> TransportKind {
        switch error {
        case let error as HTTPClientError:
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .getConnectionFromPoolTimeout: return .timeout
            case .connectTimeout, .socksHandshakeTimeout, .httpProxyHandshakeTimeout: return .connect
            case .tlsHandshakeTimeout: return .tls
            case .remoteConnectionClosed, .uncleanShutdown, .bodyLengthMismatch: return .closed
            default: return .unknown
            }
        case let error as NIOConnectionError:
            // No address to try means the name did not resolve.
            return error.connectionErrors.isEmpty ? .dns : .connect
        case is SocketAddressError: return .dns
        case let error as ChannelError:
            switch error {
            case .connectTimeout: return .connect
            case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed: return .closed
            default: return .unknown
            }
        case let error as IOError:
            return error.errnoCode == ECONNREFUSED || error.errnoCode == EHOSTUNREACH || error.errnoCode == ENETUNREACH
                ? .connect : .closed
        case is NIOSSLError, is BoringSSLError: return .tls
        default: return .unknown
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
