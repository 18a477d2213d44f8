import Foundation
import GatewayStore
import Testing

extension MatrixTests {
    /// The Matrix `ConformanceServer` does what the conformance suite relies on, against the built binary.
    @Suite("Matrix conformance server")
    struct MatrixConformanceServerTests {
        @Test("start/stop/start: the daemon connects, backs off, reconnects; posts reach the inbox; delivered lists what the bot sent; logins count whoami")
        func works() async throws {
            try #require(Synapse.isInstalled, "\(Synapse.missing)")
            let server = try await MatrixConformanceServer.make()
            let gw = try Gatewayd()
            defer { gw.remove() }
            for (name, value) in server.environment { setenv(name, value, 1) }
            let config = try gw.config("""
                reconnect: { base: 1s, factor: 1, cap: 1s, jitter: 0 }
                when_all_failed: stay
                platforms:
                  mx: \(server.platformYAML(name: "mx", validCredential: true))
                  wrong: \(server.platformYAML(name: "wrong", validCredential: false))
                """)
            let daemon = try gw.daemon(config)
            let store = try Store(path: gw.db)
            func wait(_ what: String, _ condition: () async throws -> Bool) async throws {
                try await waitUntil(what, timeout: .seconds(60), every: .milliseconds(50), condition)
            }
            try await wait("mx is connected and wrong needs attention") {
                let mx = try await store.platform("mx")?.state, wrong = try await store.platform("wrong")?.state
                return mx == .connected && wrong == .needsAttention
            }
            try await wait("Synapse logged both whoami calls") { await server.logins() >= 2 }
            await server.stop()
            try await wait("mx is backing off") { try await store.platform("mx")?.state == .backingOff }
            try await server.start()
            try await wait("mx is connected again") { try await store.platform("mx")?.state == .connected }
            let logins = await server.logins()
            #expect(logins >= 3, "whoami of the first connect, the wrong token, the reconnect: \(logins)")

            try await server.post(["one", "two"])
            try await wait("the posts are in the inbox") { try await store.inbox(platform: "mx").map(\.text) == ["one", "two"] }
            let sent = try await gw.run(["send", "--db", gw.db, "mx", server.chat, "from the bot"])
            #expect(sent.status == 0, "\(sent.stderr)")
            try await wait("delivered lists the bot's message") { try await server.delivered() == ["from the bot"] }
            daemon.kill(SIGTERM)
            let result = await daemon.finished()
            #expect(result.status == 0)
            for secret in server.secrets {
                let inDatabase = try databaseFilesContain(secret, path: gw.db)
                #expect(!daemon.log.contains(secret) && !inDatabase, "a secret leaked")
            }
            await server.shutdown()
        }
    }
}
