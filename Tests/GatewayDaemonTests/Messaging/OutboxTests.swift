import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime

/// The durable outbox with a simulated platform: nothing is lost while it is down.
@Suite("Outbox")
struct OutboxTests {
    /// A gateway whose platform `p` connects, drops after 10 s, fails twice, then connects again.
    func flappingGateway(factory: AdapterFactory) async throws -> Harness {
        try await Harness("""
            reconnect: { base: 30s, jitter: 0 }
            platforms:
              p: { type: simulated, script: "connect, drop after 10s, then fail network x2, then connect" }
            """, factory: factory)
    }

    func sent(_ factory: AdapterFactory, _ g: Harness) async throws -> [OutgoingMessage] {
        let config = try #require(try GatewayConfig.parse(yaml: """
            platforms: { p: { type: simulated, script: "connect, drop after 10s, then fail network x2, then connect" } }
            """, source: "t", environment: [:]).platforms.first)
        return await (try factory.simulatedPlatform(config)).sent
    }

    @Test("100 messages queued while the platform is down all arrive after the reconnect, once each, in order per chat")
    func outageLosesNothing() async throws {
        let factory = AdapterFactory()
        let g = try await flappingGateway(factory: factory)
        try await g.waitFor("p", .connected)
        try await g.settle()
        g.clock.advance(seconds: 10)  // the drop
        try await g.waitFor("p", .backingOff)
        for index in 0..<100 {
            _ = try await g.runner.router.submit(platform: "p", target: index % 2 == 0 ? "#even" : "#odd", text: "m\(index)")
        }
        try await g.settle()
        #expect(try await g.store.outbox(states: [.queued]).count == 100)
        #expect(try await sent(factory, g).isEmpty, "nothing is sent while the platform is down")
        while try await g.row("p").state != .connected {
            g.clock.set(try #require(try await g.store.earliestDue()))
            try await g.settle()
        }
        try await g.waitUntil("the outbox is flushed") { try await g.store.outbox(states: [.queued, .sending]).isEmpty }
        let messages = try await sent(factory, g)
        #expect(messages.count == 100)
        #expect(messages.filter { $0.target == "#even" }.map(\.text) == stride(from: 0, to: 100, by: 2).map { "m\($0)" })
        #expect(messages.filter { $0.target == "#odd" }.map(\.text) == stride(from: 1, to: 100, by: 2).map { "m\($0)" })
        #expect(try await g.store.outbox(states: [.sent]).count == 100)
        try await g.stop()
    }

    @Test("a per-message refusal fails that message only; the connection stays up and the queue goes on")
    func perMessageFailure() async throws {
        let factory = AdapterFactory()
        let g = try await Harness("platforms:\n  p: { type: simulated, script: connect }", factory: factory)
        try await g.waitFor("p", .connected)
        let blocked = try await g.runner.router.submit(platform: "p", target: "@blocked", text: "hello")
        let fine = try await g.runner.router.submit(platform: "p", target: "#chat", text: "after")
        try await g.waitUntil("both handled") { try await g.store.outbox(states: [.queued, .sending]).isEmpty }
        let entries = try await g.store.outbox()
        #expect(entries.first { $0.id == blocked.id }?.state == .failed)
        #expect(entries.first { $0.id == blocked.id }?.error?.contains("bot was blocked") == true)
        #expect(entries.first { $0.id == fine.id }?.state == .sent)
        #expect(try await g.row("p").state == .connected)
        try await g.stop()
    }

    @Test("a rate-limit answer delays the queue, not the connection")
    func rateLimitDelaysQueue() async throws {
        let g = try await Harness("platforms:\n  p: { type: simulated, script: connect }")
        try await g.waitFor("p", .connected)
        let slow = try await g.runner.router.submit(platform: "p", target: "@slow", text: "one")
        let next = try await g.runner.router.submit(platform: "p", target: "#chat", text: "two")
        try await g.waitUntil("held back") {
            let queued = try await g.store.outbox(states: [.queued])
            return queued.count == 2 && queued.first?.error?.hasPrefix("rate limited") == true
        }
        #expect(try await g.store.platform("p")?.state == .connected, "the connection is untouched")
        try await g.settle()
        g.clock.advance(seconds: 5)
        try await g.waitUntil("sent in order after the wait") { try await g.store.outbox(states: [.sent]).count == 2 }
        let sent = try await g.store.outbox(states: [.sent])
        #expect(sent.map(\.id) == [slow.id, next.id] && (sent[0].sentAt ?? 0) <= (sent[1].sentAt ?? 0))
        try await g.stop()
    }

    @Test("a send failing on a connection that stays up is tried again after 1 s, then 2 s: never at once (no hot loop)")
    func connectionFailureHoldsTheQueue() async throws {
        let g = try await Harness("platforms:\n  p: { type: simulated, script: connect }")
        try await g.waitFor("p", .connected)
        let entry = try await g.runner.router.submit(platform: "p", target: "@down", text: "hello")
        func attempts() async throws -> Int { try await g.store.outbox().first { $0.id == entry.id }?.attempts ?? -1 }
        /// Counted when the send starts; the hold is timed from its failure, when the entry is queued again.
        func failed(_ count: Int) async throws -> Bool {
            let now = try await g.store.outbox().first { $0.id == entry.id }
            return now?.state == .queued && now?.attempts == count
        }
        try await g.waitUntil("the first send failed") {
            let now = try await g.store.outbox().first { $0.id == entry.id }
            return now?.state == .queued && now?.error?.hasPrefix("waiting for the connection: server 502") == true
        }
        // Without the hold, the flusher handed the message straight back to the adapter, as fast as it could.
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await attempts() == 1, "no second attempt before the clock moves")
        g.clock.advance(millis: 999)
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await attempts() == 1, "nor before 1 s")
        g.clock.advance(millis: 1)
        try await g.waitUntil("the second attempt, 1 s after the first, failed") { try await failed(2) }
        g.clock.advance(millis: 1_000)
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await attempts() == 2, "the next waits 2 s")
        g.clock.advance(millis: 1_000)
        try await g.waitUntil("the third attempt, 2 s after the second, failed") { try await failed(3) }
        #expect(try await g.row("p").state == .connected, "the connection is untouched")
        #expect(OutboxFlusher.holdMillis(afterFailures: 3) == 4_000 && OutboxFlusher.holdMillis(afterFailures: 50) == 60_000)
        try await g.stop()
    }

    @Test("a message whose TTL passes while the platform is down is marked expired, never sent")
    func ttlExpires() async throws {
        let factory = AdapterFactory()
        let g = try await flappingGateway(factory: factory)
        try await g.waitFor("p", .connected)
        try await g.settle()
        g.clock.advance(seconds: 10)
        try await g.waitFor("p", .backingOff)
        let entry = try await g.runner.router.submit(platform: "p", target: "#c", text: "stale soon", ttlMillis: 60_000)
        while try await g.row("p").state != .connected {
            g.clock.set(try #require(try await g.store.earliestDue()))
            try await g.settle()
        }
        try await g.waitUntil("handled") { try await g.store.outbox(states: [.queued, .sending]).isEmpty }
        #expect(try await g.store.outbox().first { $0.id == entry.id }?.state == .expired)
        #expect(try await sent(factory, g).isEmpty)
        try await g.stop()
    }

    @Test("bad input is refused with the reason, and nothing is queued")
    func badInput() async throws {
        let g = try await Harness("platforms:\n  p: { type: simulated, script: connect }")
        try await g.waitFor("p", .connected)
        let router = g.runner.router
        for (platform, target, text, expected) in [
            ("nope", "#c", "hi", "unknown platform 'nope'"), ("p", "#c", "", "the text is empty"),
            ("p", " ", "hi", "the target is empty"),
            ("p", "#c", String(repeating: "x", count: DeliveryRouter.maxTextBytes + 1), "the limit is 65536"),
        ] {
            do {
                _ = try await router.submit(platform: platform, target: target, text: text)
                Issue.record("\(expected): accepted")
            } catch {
                #expect(error.description.contains(expected))
            }
        }
        #expect(try await g.store.outbox().isEmpty)
        try await g.stop()
    }

    @Test("an idempotency key makes enqueueing safe to retry")
    func idempotency() async throws {
        let g = try await Harness("platforms:\n  p: { type: simulated, script: \"fail network\" }")
        try await g.waitFor("p", .backingOff)
        let first = try await g.runner.router.submit(platform: "p", target: "#c", text: "once", idempotencyKey: "k1")
        let again = try await g.runner.router.submit(platform: "p", target: "#c", text: "once", idempotencyKey: "k1")
        let count = try await g.store.outbox().count
        #expect(first.id == again.id && count == 1)
        try await g.stop()
    }
}

private extension Error {
    var description: String { String(describing: self) }
}
