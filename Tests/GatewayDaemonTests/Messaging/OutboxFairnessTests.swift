import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime

/// One platform's backlog never holds back another's: each platform's queue is drained on its own.
@Suite("Outbox fairness")
struct OutboxFairnessTests {
    @Test("a platform whose sends are slow does not delay another platform's messages")
    func slowPlatformDoesNotStarveOthers() async throws {
        // `a` takes 60 s (virtual) per send and sorts first; `b` answers at once.
        let g = try await Harness("""
            platforms:
              a: { type: simulated, script: connect, send_delay: 60s }
              b: { type: simulated, script: connect }
            """)
        try await g.waitFor("a", .connected)
        try await g.waitFor("b", .connected)
        for index in 0..<3 { _ = try await g.runner.router.submit(platform: "a", target: "#slow", text: "a\(index)") }
        let fast = try await g.runner.router.submit(platform: "b", target: "#fast", text: "b0")
        // The clock does not move: `a`'s first send stays in flight, `b`'s message goes out all the same.
        try await g.waitUntil("b's message is sent while a's first send is still in flight") {
            try await g.store.outbox().first { $0.id == fast.id }?.state == .sent
        }
        let slow = try await g.store.outbox().filter { $0.platform == "a" }
        #expect(slow.map(\.state) == [.sending, .queued, .queued], "a's queue is still in order, one in flight")
        try await g.stop()
    }
}
