import Synchronization
import Testing

@testable import GatewayCore
@testable import GatewayIRC
@testable import GatewayDaemon
@testable import GatewayRuntime

@Suite("IRC pacing")
struct IRCPacingTests {
    @Test("a burst of 5, then one line every 2 s; the allowance refills after a quiet spell")
    func schedule() {
        var pacer = IRCPacer()
        let t0: Int64 = 1_000_000
        #expect((0..<8).map { _ in pacer.schedule(now: t0) } == [t0, t0, t0, t0, t0, t0 + 2_000, t0 + 4_000, t0 + 6_000])
        // 20 s later the debt is paid off: a full burst again.
        let t1 = t0 + 20_000
        #expect((0..<6).map { _ in pacer.schedule(now: t1) } == [t1, t1, t1, t1, t1, t1 + 2_000])
        // 3 s after a full burst, 1.5 slots are back: one line goes at once, the next at t0 + 4 s.
        var partial = IRCPacer()
        for _ in 0..<5 { _ = partial.schedule(now: t0) }
        #expect(partial.schedule(now: t0 + 3_000) == t0 + 3_000)
        #expect(partial.schedule(now: t0 + 3_000) == t0 + 4_000)
    }

    @Test("the outbox writes in order, and the sixth line waits on the clock until it is advanced")
    func outboxOnManualClock() async throws {
        let clock = ManualClock()
        let t0 = clock.nowMillis()
        let outbox = IRCOutbox(clock: clock)
        let written = Mutex<[(String, Int64)]>([])
        let drain = Task {
            try await outbox.drain { line in written.withLock { $0.append((line.text, clock.nowMillis())) } }
        }
        let sends = Task {
            try await outbox.send((1...3).map { IRCLine.make("PRIVMSG", ["#c", "a\($0)"], trailing: true) })
            try await outbox.send((1...4).map { IRCLine.make("PRIVMSG", ["#c", "b\($0)"], trailing: true) })
        }
        try await waitUntil("five lines are written and the drain sleeps until t0 + 2 s") {
            written.withLock { $0.count } == 5 && clock.nextDeadline == t0 + 2_000
        }
        clock.advance(seconds: 2)
        try await waitUntil("the sixth line") { written.withLock { $0.count } == 6 && clock.nextDeadline == t0 + 4_000 }
        clock.advance(seconds: 2)
        try await sends.value
        let lines = written.withLock { $0 }
        #expect(lines.map(\.0) == ["a1", "a2", "a3", "b1", "b2", "b3", "b4"].map { "PRIVMSG #c :\($0)" })
        #expect(lines.map { $0.1 - t0 } == [0, 0, 0, 0, 0, 2_000, 4_000])
        outbox.close(IRCAdapter.stoppedError)
        try await drain.value
    }

    @Test("closing fails queued and later sends with the reason; JOIN bookings count against the burst")
    func closeAndBook() async throws {
        let clock = ManualClock()
        let t0 = clock.nowMillis()
        let outbox = IRCOutbox(clock: clock)
        #expect(outbox.book(6) == [t0, t0, t0, t0, t0, t0 + 2_000])
        let queued = Task { try await outbox.send([.make("PRIVMSG", ["#c", "never written"])]) }
        try await waitUntil("the send is queued") { outbox.queuedCount == 1 }
        outbox.close(IRCAdapter.stoppedError)
        await #expect(throws: AdapterError.self) { try await queued.value }
        await #expect(throws: AdapterError.self) { try await outbox.send([.make("PRIVMSG", ["#c", "late"])]) }
    }
}
