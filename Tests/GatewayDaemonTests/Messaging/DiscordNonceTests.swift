import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@testable import GatewayCore
@testable import GatewayDiscord
@testable import GatewayDaemon
@testable import GatewayRuntime
@testable import GatewayStore

/// Discord's Create Message `nonce` + `enforce_nonce`: the outbox's delivery key makes a retried send idempotent.
@Suite("Discord nonce", .serialized)
struct DiscordNonceTests {
    @Test("the delivery key is stable per entry and, with a part number, fits Discord's 25 characters")
    func keyShape() {
        let worst = OutboxEntry(
            id: .max, platform: "dc", target: "1", text: "x", state: .queued, createdAt: .max, expiresAt: nil,
            attempts: 0, sentAt: nil, platformIDs: [], error: nil, updatedAt: 0, idempotencyKey: nil)
        let key = OutboxFlusher.deliveryKey(worst)
        #expect(key.count <= 22 && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == ".") }, "\(key)")
        // A text at the router's limit (65,536 bytes) splits into at most 33 parts of 2000 characters.
        let nonces = (0..<33).compactMap { DiscordAdapter.nonce(key, part: $0, of: 33) }
        #expect(nonces.count == 33 && Set(nonces).count == 33 && nonces.allSatisfy { $0.count <= 25 })
        #expect(DiscordAdapter.nonce(key, part: 0, of: 1) == key, "a single part uses the key itself")
        #expect(DiscordAdapter.nonce(nil, part: 0, of: 1) == nil, "a direct send has no nonce")
        var reset = worst
        reset.createdAt -= 1
        #expect(OutboxFlusher.deliveryKey(reset) != key, "the same id at another time (a reset database) is another key")
    }

    @Test("the same message sent twice with its key: Discord returns the first, nothing is posted twice (split parts too)")
    func retryIsDeduplicated() async throws {
        let f = try await DiscordFixture()
        try await f.g.waitFor("dc", .connected)
        try await f.g.settle()
        let router = f.g.runner.router
        let short = OutgoingMessage(target: "100", text: "once", deliveryKey: "k1.abc")
        let first = try await router.send(short, on: "dc")
        let again = try await router.send(short, on: "dc")
        #expect(first.ids == ["posted-1"] && again.ids == first.ids)

        let long = OutgoingMessage(target: "100", text: String(repeating: "b", count: 2_500), deliveryKey: "k2.abc")
        let parts = try await router.send(long, on: "dc")
        #expect(try await router.send(long, on: "dc") == parts)
        #expect(parts.ids == ["posted-2", "posted-3"])

        let posts = await f.state.posts
        #expect(posts.map(\.nonce) == ["k1.abc", "k2.abc.0", "k2.abc.1"], "one post per part, each with its nonce")
        #expect(await f.state.nonceReplays.map(\.nonce) == ["k1.abc", "k2.abc.0", "k2.abc.1"])

        // Without a key (a direct send) every call posts.
        _ = try await router.send(OutgoingMessage(target: "100", text: "once"), on: "dc")
        let after = await f.state.posts
        #expect(after.count == 4 && after.last?.nonce == nil)
        try await f.finish()
    }

    @Test("the flush sends each entry with its delivery key as the nonce")
    func flushCarriesNonce() async throws {
        let f = try await DiscordFixture()
        try await f.g.waitFor("dc", .connected)
        let entries = try await f.g.runner.router.submit([
            NewOutboxMessage(platform: "dc", target: "100", text: "a"), NewOutboxMessage(platform: "dc", target: "101", text: "b"),
        ])
        try await f.g.waitUntil("both sent") { try await f.g.store.outbox(states: [.sent]).count == 2 }
        #expect(await f.state.posts.map(\.nonce) == entries.map { OutboxFlusher.deliveryKey($0) })
        try await f.finish()
    }

    @Test("the local Discord models the nonce rules: over 25 characters is 400; without enforce_nonce no dedup")
    func serverModel() async throws {
        let server = try await DiscordTestGateway(token: DiscordFixture.token)
        func post(_ body: String) async throws -> (Int, String) {
            var request = URLRequest(url: URL(string: "\(server.apiBase)/channels/100/messages")!)
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
            request.setValue("Bot \(DiscordFixture.token)", forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
        }
        let tooLong = try await post(##"{"content":"x","nonce":"12345678901234567890123456","enforce_nonce":true}"##)
        #expect(tooLong.0 == 400 && tooLong.1.contains("50035"))
        _ = try await post(##"{"content":"x","nonce":"n1"}"##)
        _ = try await post(##"{"content":"x","nonce":"n1"}"##)
        #expect(await server.state.posts.count == 2, "a nonce without enforce_nonce is not checked")
        let enforced = try await post(##"{"content":"y","nonce":77,"enforce_nonce":true}"##)
        let repeated = try await post(##"{"content":"y","nonce":77,"enforce_nonce":true}"##)
        #expect(enforced.0 == 200 && repeated.0 == 200 && enforced.1.contains("posted-3") && repeated.1.contains("posted-3"))
        #expect(await server.state.posts.count == 3)
        await server.stop()
    }
}
