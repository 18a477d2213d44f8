import Foundation
import GatewayCore
import GatewayNetworking
import NIOCore
import NIOPosix
import NIOSSL
import Testing

/// The real probe against real loopback sockets: what it reports for a closed port, a name that cannot resolve,
/// a listening port, a TLS server, and a port that accepts but never completes a TLS handshake.
@Suite("Socket probe")
struct SocketProbeTests {
    /// A loopback listener; with `tls`, it completes TLS handshakes with the given certificate.
    private func listener(tls: NIOSSLContext? = nil) async throws -> (any Channel, Int) {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    if let tls { try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return (channel, try #require(channel.localAddress?.port))
    }

    @Test("a closed port is unreachable (refused), an unresolvable name is unreachable (dns), a listener is reachable")
    func tcp() async throws {
        let probe = SocketProbe()
        let closed = try closedLoopbackPort()
        let refused = await probe.probe(Endpoint(host: "127.0.0.1", port: closed, tls: false), timeoutMillis: 3_000)
        #expect(refused == .unreachable(reason: "refused: connection refused by 127.0.0.1:\(closed)"))
        let dns = await probe.probe(Endpoint(host: unresolvableHost, port: 443, tls: true), timeoutMillis: 3_000)
        guard case .unreachable(let reason) = dns else { Issue.record("resolved \(unresolvableHost)"); return }
        #expect(reason.hasPrefix("dns: "), "\(reason)")
        let (server, port) = try await listener()
        defer { server.close(promise: nil) }
        #expect(await probe.probe(Endpoint(host: "127.0.0.1", port: port, tls: false), timeoutMillis: 3_000) == .reachable)
    }

    @Test("TLS: a handshake with a self-signed server is reachable (no login, no verification); a plain port that never answers the handshake is not")
    func tls() async throws {
        guard TestCertificates.isAvailable else { return }
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificates.certificateFile).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: certificates.keyFile, format: .pem)))
        let (secure, securePort) = try await listener(tls: try NIOSSLContext(configuration: configuration))
        defer { secure.close(promise: nil) }
        let probe = SocketProbe()
        #expect(await probe.probe(Endpoint(host: "localhost", port: securePort, tls: true), timeoutMillis: 3_000) == .reachable)
        let (plain, plainPort) = try await listener()
        defer { plain.close(promise: nil) }
        let silent = await probe.probe(Endpoint(host: "127.0.0.1", port: plainPort, tls: true), timeoutMillis: 1_000)
        #expect(silent == .unreachable(reason: "tls: no handshake within 1s"))
    }
}
