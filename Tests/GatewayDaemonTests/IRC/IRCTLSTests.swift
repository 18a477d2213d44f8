import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayIRC
@testable import GatewayDaemon
@testable import GatewayRuntime

/// TLS with swift-nio-ssl against ngircd's TLS port (GnuTLS), with a CA made for the test.
@Suite(
    "IRC over TLS against a real ngircd", .serialized,
    .enabled(if: Ngircd.isInstalled && TestCertificates.isAvailable, "needs /usr/sbin/ngircd and /usr/bin/openssl"))
struct IRCTLSTests {
    @Test("tls with the test CA connects, joins and delivers both ways; without trusting the CA it fails as network/tls")
    func tlsRoundTrip() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let server = try await Ngircd(tls: (certificates.certificateFile, certificates.keyFile))
        let tlsPort = try #require(server.tlsPort)
        let sink = CollectingSink()
        let g = try await Harness("""
            reconnect: { base: 30s, jitter: 0 }
            when_all_failed: stay
            platforms:
              secure: { type: irc, server: localhost, port: \(tlsPort), tls: true, tls_ca_file: "\(certificates.caFile)", nick: gwbot, channels: ["#test"] }
              untrusted: { type: irc, server: 127.0.0.1, port: \(tlsPort), tls: true, nick: other, channels: ["#test"] }
            """, sink: sink)
        try await g.waitFor("secure", .connected)
        try await g.waitForFailure("untrusted")
        let untrusted = try await g.row("untrusted")
        #expect(untrusted.lastErrorClass == .network && untrusted.lastErrorCode == "tls", "\(untrusted.lastError ?? "-")")

        let raw = try await RawIRCClient.connect(port: server.port, nick: "watcher")
        try await raw.send("JOIN #test")
        try await raw.waitForMember("gwbot", in: "#test")
        _ = try await g.runner.router.send(OutgoingMessage(target: "#test", text: "over TLS"), on: "secure")
        try await raw.waitFor("the message") { $0.hasSuffix("PRIVMSG #test :over TLS") }
        try await raw.send("PRIVMSG gwbot :back over TLS")
        try await g.waitUntil("the sink got it") { sink.messages.contains { $0.text == "back over TLS" && $0.platform == "secure" } }
        await raw.close()
        try await g.stop()
    }
}
