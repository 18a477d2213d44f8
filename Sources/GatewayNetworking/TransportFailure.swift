import GatewayCore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// How a connection to an endpoint failed, said the same way by every adapter (PROTOCOLS.md, "Any HTTP-based
/// adapter"): what happened — the name did not resolve, the port refused, TLS failed, it timed out — and `host:port`.
///
/// The kind comes from the error's type and errno, never from its text. The detail is the error's own text for the
/// operator; callers redact it (a URL in it may hold a token).
public struct TransportFailure: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// The host name did not resolve.
        case dns
        /// Nothing listens on that port (`ECONNREFUSED`).
        case refused
        /// No route to the host or network.
        case unreachable
        case tls
        /// Connecting, or waiting for an answer, took longer than allowed.
        case timeout
        /// The peer closed or reset the connection mid-exchange.
        case closed
        /// A transport failure of no known kind.
        case unknown
    }

    public var kind: Kind
    public var host: String
    public var port: Int
    /// The underlying error's text (not redacted).
    public var detail: String

    public var endpoint: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// One line: what happened, and where.
    public var description: String {
        switch kind {
        case .dns: "cannot resolve \(host) (\(endpoint))"
        case .refused: "connection refused by \(endpoint)"
        case .unreachable: "\(endpoint) is unreachable"
        case .tls: "TLS with \(endpoint) failed: \(detail)"
        case .timeout: "\(endpoint) did not answer in time"
        case .closed: "\(endpoint) closed the connection"
        case .unknown: "connection to \(endpoint) failed: \(detail)"
        }
    }

    /// The same line without the underlying error's text, for errors whose text may hold a URL with a secret in it
    /// (webhooks).
    public var summary: String {
        switch kind {
        case .tls: "TLS with \(endpoint) failed"
        case .unknown: "connection to \(endpoint) failed"
        default: description
        }
    }

    public init(kind: Kind, host: String, port: Int, detail: String) {
        self.kind = kind
        self.host = host
        self.port = port
        self.detail = detail
    }

    /// Classifies an error from NIO, NIOSSL, AsyncHTTPClient or a WebSocket client connecting to `host:port`.
    public init(_ error: any Error, host: String, port: Int) {
        self.init(kind: Self.kind(of: error), host: host, port: port, detail: String(describing: error))
    }

    /// The endpoint of a URL: its host and port (the scheme's default when the URL has none).
    public static func endpoint(of url: String) -> (host: String, port: Int) {
        Endpoint(url: url).map { ($0.host, $0.port) } ?? (url, 443)
    }

    public static func kind(of error: any Error) -> Kind {
        switch error {
        case let error as NIOConnectionError:
            if error.connectionErrors.isEmpty { return error.dnsAError != nil || error.dnsAAAAError != nil ? .dns : .unknown }
            // Every address failed; the first one's cause speaks for them all.
            return error.connectionErrors.map { kind(of: $0.error) }.first { $0 != .unknown } ?? .unknown
        case is SocketAddressError: return .dns
        case let error as IOError:
            switch error.errnoCode {
            case ECONNREFUSED: return .refused
            case EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ENETDOWN: return .unreachable
            case ETIMEDOUT: return .timeout
            case ECONNRESET, EPIPE, ECONNABORTED: return .closed
            default: return .unknown
            }
        case let error as ChannelError:
            switch error {
            case .connectTimeout: return .timeout
            case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed: return .closed
            default: return .unknown
            }
        case let error as HTTPClientError:
            switch error {
            case .connectTimeout, .deadlineExceeded, .readTimeout, .writeTimeout, .getConnectionFromPoolTimeout,
                 .socksHandshakeTimeout, .httpProxyHandshakeTimeout:
                return .timeout
            case .tlsHandshakeTimeout: return .tls
            case .remoteConnectionClosed, .uncleanShutdown, .bodyLengthMismatch: return .closed
            default: return .unknown
            }
        case is NIOSSLError, is BoringSSLError, is NIOSSLExtraError: return .tls
        default:
            // getaddrinfo failures surface as NIO's resolver error, whose type is not public.
            return String(describing: type(of: error)).contains("Resolution") ? .dns : .unknown
        }
    }
}
