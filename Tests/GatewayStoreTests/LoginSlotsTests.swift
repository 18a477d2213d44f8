import GatewayCore
import Testing

@Suite("Login budget: slots per endpoint")
struct LoginSlotsTests {
    let budget = LoginBudget(logins: 3, windowMillis: 1_000)

    @Test("a burst of the budget goes at once; the next waits until the oldest of them is a window old")
    func burstThenWait() {
        var slots = LoginSlots()
        let starts = (0..<7).map { slots.slot(for: "p\($0)", key: "e", budget: budget, now: 0) }
        #expect(starts == [0, 0, 0, 1_000, 1_000, 1_000, 2_000])
        #expect(slots.reservations == 4)
    }

    @Test("never more than the budget in any window, whatever the arrivals (2,000 random requests)")
    func neverAboveBudget() {
        var random = SplitMix64(seed: 7)
        var slots = LoginSlots()
        var now: Int64 = 0
        var granted: [Int64] = []
        for index in 0..<2_000 {
            now += Int64.random(in: 0...400, using: &random)
            let start = slots.slot(for: "p\(index)", key: "e", budget: budget, now: now)
            #expect(start >= now)
            granted.append(start)
        }
        let sorted = granted.sorted()
        for (index, start) in sorted.enumerated() {
            let inWindow = sorted[index...].prefix { $0 < start + budget.windowMillis }.count
            #expect(inWindow <= budget.logins, "window from \(start)")
        }
    }

    @Test("a platform coming due at its reserved slot takes it without asking again; keys are independent")
    func reservationTaken() {
        var slots = LoginSlots()
        for name in ["a", "b", "c"] { _ = slots.slot(for: name, key: "e", budget: budget, now: 0) }
        #expect(slots.slot(for: "d", key: "e", budget: budget, now: 0) == 1_000)
        #expect(slots.slot(for: "d", key: "e", budget: budget, now: 500) == 1_000, "early: still its own slot")
        #expect(slots.slot(for: "d", key: "e", budget: budget, now: 1_000) == 1_000, "due: goes")
        #expect(slots.reservations == 0)
        #expect(slots.slot(for: "x", key: "other", budget: budget, now: 0) == 0, "another endpoint has its own budget")
        #expect(slots.slot(for: "e", key: "e", budget: budget, now: 1_000) == 1_000, "two of the window after 1 s left")
    }

    @Test("endpoints from base URLs: scheme's port, explicit port, IPv6, path and credentials ignored")
    func endpoints() {
        #expect(Endpoint(url: "https://api.telegram.org")?.description == "tls://api.telegram.org:443")
        #expect(Endpoint(url: "http://127.0.0.1:8081/bot")?.description == "tcp://127.0.0.1:8081")
        #expect(Endpoint(url: "https://discord.com/api/v10") == Endpoint(host: "discord.com", port: 443, tls: true))
        #expect(Endpoint(url: "http://[::1]:9000/x")?.description == "tcp://[::1]:9000")
        #expect(Endpoint(url: "https://user:pw@example.org:8443")?.description == "tls://example.org:8443")
        #expect(Endpoint(url: "ftp://example.org") == nil && Endpoint(url: "http://") == nil)
        #expect(Endpoint(url: "http://host:notaport") == nil)
        #expect(Endpoint(url: "wss://gateway.discord.gg/?v=10")?.description == "tls://gateway.discord.gg:443")
        #expect(Endpoint(url: "WS://127.0.0.1:81")?.description == "tcp://127.0.0.1:81")
    }
}

extension LoginSlotsTests {
    @Test("the wall clock moved back a day: slots move back with it instead of holding logins back a day")
    func clockMovedBack() {
        var slots = LoginSlots()
        let budget = LoginBudget(logins: 1, windowMillis: 1_000)
        let day: Int64 = 86_400_000
        #expect(slots.slot(for: "a", key: "e", budget: budget, now: day) == day)
        #expect(slots.slot(for: "b", key: "e", budget: budget, now: day) == day + 1_000)
        #expect(slots.slot(for: "c", key: "e", budget: budget, now: 10) == 2_010, "after a, b: one window each")
        #expect(slots.slot(for: "b", key: "e", budget: budget, now: 1_010) == 1_010, "b's reservation moved back too")
    }
}
