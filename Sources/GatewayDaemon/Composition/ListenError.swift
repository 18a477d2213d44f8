import Glibc
import NIOCore

/// The HTTP face could not listen on its address: names it and the cause. `gatewayd run` exits 75 when the address is
/// in use (a restart may find it free: an old daemon still stopping) and 78 otherwise (the configuration names an
/// address this machine cannot serve). Raised before any platform is attempted: the runner waits for the face.
public struct ListenError: Error, Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let reason: String
    /// Another socket holds the address.
    public let isInUse: Bool

    public var description: String { "http: cannot listen on \(host):\(port): \(reason)" }

    /// The listen failure `error` is, or nil when it is not one (a store error, say).
    static func from(_ error: any Error, host: String, port: Int) -> ListenError? {
        if let error = error as? IOError {
            let reason = switch error.errnoCode {
            case EADDRINUSE: "the address is in use (another process listens on it)"
            case EADDRNOTAVAIL: "it is not an address of this machine"
            case EACCES: "permission denied (ports below 1024 need privileges)"
            default: String(cString: strerror(error.errnoCode))
            }
            return ListenError(host: host, port: port, reason: reason, isInUse: error.errnoCode == EADDRINUSE)
        }
        if error is SocketAddressError {
            return ListenError(host: host, port: port, reason: "cannot resolve \(host)", isInUse: false)
        }
        return nil
    }
}
