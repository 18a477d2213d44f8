import Foundation
import Synchronization

/// A loopback port that refuses connections, for as long as the test process runs: its socket stays bound and never
/// listens (a connect gets RST: refused), so no other test's server — nor a connection's ephemeral source port — can
/// take the number meanwhile. (Closing it after learning the number did let that happen: a "refused" port answered
/// HTTP 404 from another test's server in a full run.)
func closedLoopbackPort() throws -> Int {
    let (fd, port) = try boundLoopbackSocket(listening: false)
    heldClosedPorts.withLock { $0.append(fd) }
    return port
}

/// The sockets of `closedLoopbackPort`, held until the process exits.
private let heldClosedPorts = Mutex<[Int32]>([])

/// A loopback port that is free now, for a server about to listen on it (bound to learn the number, then closed: a
/// server that finds it taken meanwhile must pick again).
func freeLoopbackPort() throws -> Int {
    let (fd, port) = try boundLoopbackSocket(listening: false)
    close(fd)
    return port
}

/// A loopback socket bound to a free port (and listening, if asked): the caller closes `fd`.
func boundLoopbackSocket(listening: Bool) throws -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound, !listening || listen(fd, 1) == 0 else {
        close(fd)
        throw POSIXError(.EADDRINUSE)
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}

/// A host name that can never resolve, and whose lookup fails on this machine without a DNS query: a label longer
/// than 63 bytes is refused by the resolver itself (RFC 1035 §2.3.4), so no packet leaves for a name server.
let unresolvableHost = String(repeating: "a", count: 70) + ".invalid"
