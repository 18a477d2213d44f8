import Foundation
import GatewayCore
import GatewayStore
import Testing

@testable import GatewayRuntime

/// The login budget, on the manual clock: every attempt takes a slot of its endpoint's budget.
@Suite("Login pacing")
struct LoginPacingTests {
    static let e = Endpoint(host: "api.example", port: 443, tls: true)

    @Test("45 platforms due together: 20 logins now, 20 after a second, 5 after two (simulated budget: 20 per 1s)")
    func herd() async throws {
        let names = (0..<45).map { String(format: "p%02d", $0) }
        let probing = FakeProbing(Dictionary(uniqueKeysWithValues: names.map { ($0, Self.e) }))
        let g = try await Harness(
            "platforms:\n" + names.map { "  \($0): { type: simulated, script: connect }" }.joined(separator: "\n"),
            probing: probing)
        try await g.settle()
        var connected = try await g.store.platforms().filter { $0.state == .connected }.map(\.name)
        #expect(connected == Array(names.prefix(20)), "the first 20 in due order")
        let waiting = try await g.store.platforms().filter { $0.state == .backingOff }
        #expect(waiting.count == 25)
        #expect(waiting.filter { $0.nextRetryAt == g.t0 + 1_000 }.count == 20)
        #expect(waiting.filter { $0.nextRetryAt == g.t0 + 2_000 }.count == 5)
        let paced = try #require(try await g.store.events(platform: "p44").last)
        #expect(paced.kind == .paced)
        #expect(paced.detail == "waiting for a login slot on tls://api.example:443 (budget: 20 logins per 1s)")
        #expect(try await g.row("p44").attempts == 0, "waiting for a slot is not an attempt")
        g.clock.advance(millis: 999)
        try await g.settle()
        #expect(try await g.store.platforms().filter { $0.state == .connected }.count == 20)
        g.clock.advance(millis: 1)
        try await g.waitUntil("40 connected") { try await g.store.platforms().filter { $0.state == .connected }.count == 40 }
        g.clock.advance(millis: 1_000)
        try await g.waitUntil("all connected") { try await g.store.platforms().allSatisfy { $0.state == .connected } }
        connected = try await g.store.platforms().map(\.name)
        #expect(connected.count == 45)
        // Every login start, by the second it started in: never above the budget.
        var perSecond: [Int64: Int] = [:]
        for name in names {
            for event in try await g.store.events(platform: name) where event.kind == .attemptStarted {
                perSecond[(event.at - g.t0) / 1_000, default: 0] += 1
            }
        }
        #expect(perSecond == [0: 20, 1: 20, 2: 5])
        try await g.stop()
    }

    @Test("platforms of different endpoints do not share a budget")
    func separateBudgets() async throws {
        var endpoints: [String: Endpoint] = [:]
        for index in 0..<25 { endpoints[String(format: "a%02d", index)] = Self.e }
        endpoints["b"] = Endpoint(host: "other.example", port: 443, tls: true)
        let g = try await Harness(
            "platforms:\n" + endpoints.keys.sorted().map { "  \($0): { type: simulated, script: connect }" }
                .joined(separator: "\n"),
            probing: FakeProbing(endpoints))
        try await g.settle()
        #expect(try await g.row("b").state == .connected, "b's endpoint has its own budget: it went at once")
        let late = try await g.row("a24")
        #expect(late.attempts == 0 && late.nextRetryAt == g.t0 + 1_000)
        #expect(try await g.kinds("a24").last == .paced)
        g.clock.advance(millis: 1_000)
        try await g.waitFor("a24", .connected)
        try await g.stop()
    }
}

extension LoginPacingTests {
    @Test("a herd coming back through the budget is not churned: no platform waiting for its slot is pulled forward by another's reconnect")
    func noChurn() async throws {
        let names = (0..<200).map { String(format: "p%03d", $0) }
        let probing = FakeProbing(Dictionary(uniqueKeysWithValues: names.map { ($0, Self.e) }))
        let g = try await Harness(
            "reconnect: { base: 5m, cap: 10m, jitter: 0, probe: 3s }\nplatforms:\n"
                + names.map { "  \($0): { type: simulated, script: \"fail network, then connect\" }" }.joined(separator: "\n"),
            probing: probing)
        // Every first attempt fails (paced over 10 s), then the endpoint comes back.
        for _ in 0..<12 {
            g.clock.advance(millis: 1_000)
            try await g.settle()
        }
        #expect(try await g.store.platforms().allSatisfy { $0.state == .backingOff && $0.attempts == 1 })
        probing.set(Self.e, reachable: true)
        var steps = 0
        while try await g.store.platforms().contains(where: { $0.state != .connected }) && steps < 200 {
            g.clock.advance(millis: 250)
            try await g.settle()
            steps += 1
        }
        #expect(try await g.store.platforms().allSatisfy { $0.state == .connected })
        var pulled = 0, paced = 0
        for name in names {
            let kinds = try await g.kinds(name)
            pulled += kinds.count(where: { $0 == .pulledForward })
            paced += kinds.count(where: { $0 == .paced })
        }
        #expect(pulled <= names.count, "one pull-forward each at most (the probe's): \(pulled)")
        #expect(paced <= 2 * names.count, "paced at most at startup and once on the way back: \(paced)")
        try await g.stop()
    }
}
