import GatewayNetworking
import GatewayCore
import AsyncHTTPClient
import NIOCore

/// The client-server API calls the adapter makes (named in every error, never with their URL).
package enum MatrixCall: String, Sendable, Equatable, CaseIterable {
    case whoami
    case sync
    case join
    case send
    case resolveAlias = "directory"
}

/// One failed client-server API call, as observed and before classification (`MatrixFailures` classifies it).
///
/// Every text in here is already redacted: a failure is built only by `MatrixClient`, which scrubs the access token
/// out of server texts and transport error texts before storing them.
package enum MatrixFailure: Error, Sendable, Equatable {
    /// The HTTP exchange itself failed: DNS, TCP, TLS, deadline, connection closed.
    case transport(call: MatrixCall, kind: TransportKind, detail: String)
    /// The server answered an HTTP error status, with the standard error body (`errcode`, `error`) when it had one.
    case api(call: MatrixCall, status: Int, errcode: String?, error: String, retryAfterMillis: Int64? = nil, softLogout: Bool = false)
    /// A 2xx answer that is not what the spec says (not JSON, or not the expected shape).
    case invalidResponse(call: MatrixCall, status: Int, detail: String)

    package enum TransportKind: String, Sendable, Equatable, CaseIterable {
        case dns
        case refused
        /// Connecting failed otherwise (unreachable, connect timeout).
        case connect
        case tls
        /// The request's deadline passed (for `/sync`: the long poll overran its deadline).
        case timeout
        case closed
        /// An HTTP-layer error of no known kind (an unclassified network failure).
        case unknown
    }

    var call: MatrixCall {
        switch self {
        case .transport(let call, _, _), .api(let call, _, _, _, _, _), .invalidResponse(let call, _, _): call
        }
    }

    /// A `/sync` that overran its deadline: re-send it with the same `since`.
    var isSyncDeadline: Bool {
        if case .transport(.sync, .timeout, _) = self { return true }
        return false
    }

    /// Describes an error thrown by AsyncHTTPClient/NIO: the kind from its type (``TransportFailure``), the detail
    /// with `host:port`, redacted and shortened.
    static func transport(_ error: any Error, call: MatrixCall, host: String, port: Int, redactor: Redactor) -> MatrixFailure {
        let failure = TransportFailure(error, host: host, port: port)
        let detail = MatrixText.snippet(redactor.scrub(failure.description), max: 200)
        var kind: TransportKind
        switch failure.kind {
        case .dns: kind = .dns
        case .refused: kind = .refused
        case .unreachable: kind = .connect
        case .tls: kind = .tls
        case .timeout: kind = .timeout
        case .closed: kind = .closed
        case .unknown: kind = .unknown
        }
        // A connect timeout is a failure to connect, not a long poll that overran.
        if let error = error as? HTTPClientError, error == .connectTimeout { kind = .connect }
        if let error = error as? ChannelError, case .connectTimeout = error { kind = .connect }
        return .transport(call: call, kind: kind, detail: detail)
    }
}

/// Text helpers for error messages built from untrusted input.
enum MatrixText {
    /// `text` on one line, at most `max` characters (with "…" when cut).
    static func snippet(_ text: String, max: Int) -> String {
        let line = String(text.map { $0.isNewline ? " " : $0 })
        return line.count <= max ? line : String(line.prefix(max)) + "…"
    }
}
