import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayDiscord
@testable import GatewayDaemon
@testable import GatewayRuntime

/// Every adapter says what a failed connection was — refused, DNS — with host:port, and an attempt that fails at
/// once ends at once: on the manual clock the connect timeout never fires, so reaching `backing_off` at all proves
/// the attempt did not wait for it, and the next retry is the backoff's first step after the failure.
@Suite("Connection failures say what happened")
struct ConnectionFailureTests {
    enum Endpoint: String, CaseIterable, CustomTestStringConvertible {
        case refused, dns
        var testDescription: String { rawValue }
    }

    enum Kind: String, CaseIterable, CustomTestStringConvertible {
        case telegram, discord, irc
        var testDescription: String { rawValue }
    }

    static let environment = ["TG_TOKEN": telegramTestToken, "DISCORD_TOKEN": DiscordFixture.token]

    static func yaml(_ kind: Kind, host: String, port: Int) -> String {
        let platform = switch kind {
        case .telegram: #"{ type: telegram, token: ${TG_TOKEN}, api_base: "http://\#(host):\#(port)" }"#
        case .discord: #"{ type: discord, token: ${DISCORD_TOKEN}, api_base: "http://\#(host):\#(port)/api/v10" }"#
        case .irc: #"{ type: irc, server: "\#(host)", port: \#(port), nick: gwbot }"#
        }
        return """
            reconnect: { base: 30s, jitter: 0, connect_timeout: 30s }
            when_all_failed: stay
            platforms:
              p: \(platform)
            """
    }

    @Test("a refused port and an unresolvable name: last_error says so with host:port; the retry follows the backoff",
          arguments: Kind.allCases, Endpoint.allCases)
    func failsAtOnceAndSaysWhy(kind: Kind, endpoint: Endpoint) async throws {
        let port = try closedLoopbackPort()
        let host = endpoint == .refused ? "127.0.0.1" : unresolvableHost
        let g = try await Harness(Self.yaml(kind, host: host, port: port), environment: Self.environment)
        try await g.waitUntil("p's first attempt failed") {
            try await g.store.platform("p").map { $0.state == .backingOff && $0.lastError != nil } == true
        }
        let row = try await g.row("p")
        let error = row.lastError ?? ""
        #expect(row.lastErrorClass == .network, "\(error)")
        switch endpoint {
        case .refused:
            #expect(error.contains("connection refused by 127.0.0.1:\(port)"), "\(error)")
        case .dns:
            #expect(error.contains("cannot resolve \(host)"), "\(error)")
        }
        #expect(!error.contains("timed out"), "\(error)")
        #expect(row.nextRetryAt == g.clock.nowMillis() + 30_000, "attempt 1 failed: the base delay, from the failure")
        try await g.stop()
    }
}
