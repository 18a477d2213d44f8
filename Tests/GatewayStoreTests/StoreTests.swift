import Foundation
import Testing

@testable import GatewayStore

@Suite("Store")
struct StoreTests {
    @Test("every state change writes its event in the same transaction, with its actor")
    func eventsWithActors() async throws {
        try await withStore { store, _, _ in
            try await store.startup(configured: [PlatformSpec(name: "a", type: "irc", policy: noJitter)])
            _ = try await store.claimDue(owner: "d")
            try await store.recordFailure("a", owner: "d", failure: PlatformFailure(.auth, code: "464", message: "bad password"))
            try await store.retryNow("a", actor: .operator("alice"))
            try await store.pause("a", actor: .operator("bob"))
            try await store.resume("a", actor: .operator("bob"))
            try await store.reset("a", actor: .operator("carol"))
            let events = try await store.events(platform: "a")
            #expect(events.map(\.kind) == [.added, .attemptStarted, .needsAttention, .retryNow, .paused, .resumed, .reset])
            #expect(events.map(\.actor) == ["config", "daemon", "daemon", "operator:alice", "operator:bob", "operator:bob", "operator:carol"])
            #expect(events[2].errorClass == .auth && events[2].detail == "bad password" && events[2].fromState == .connecting)
        }
    }

    @Test("an illegal operator action is rejected and changes nothing")
    func illegalRejected() async throws {
        try await withStore { store, _, _ in
            try await store.startup(configured: [PlatformSpec(name: "a", type: "irc")])
            try await store.pause("a", actor: .operator("x"))
            let before = try await store.platform("a")
            let error = try await #require(throws: StoreError.self) { try await store.retryNow("a", actor: .operator("x")) }
            #expect(error.description == "platform 'a' is paused: cannot retry now")
            #expect(try await store.platform("a") == before)
            #expect(try await store.events(platform: "a").count == 2)
            await #expect(throws: StoreError.self) { try await store.pause("nope", actor: .operator("x")) }
        }
    }

    @Test("success and failure need this daemon's lease: an attempt paused meanwhile is not recorded as connected")
    func leaseRequired() async throws {
        try await withStore { store, _, _ in
            try await store.startup(configured: [PlatformSpec(name: "a", type: "irc")])
            _ = try await store.claimDue(owner: "d1")
            await #expect(throws: StoreError.self) { try await store.recordSuccess("a", owner: "d2") }
            try await store.pause("a", actor: .operator("x"))
            let error = try await #require(throws: StoreError.self) { try await store.recordSuccess("a", owner: "d1") }
            #expect(error.code == .illegalTransition)
            #expect(try await store.platform("a")?.state == .paused)
        }
    }

    @Test("an attempt whose lease expires is requeued and counted")
    func leaseExpiry() async throws {
        try await withStore { store, clock, _ in
            try await store.startup(configured: [PlatformSpec(name: "a", type: "irc", policy: noJitter)])
            _ = try await store.claimDue(owner: "d", leaseMarginMillis: 5_000)
            #expect(try await store.nextWakeAt() == clock.nowMillis() + 35_000)
            clock.advance(seconds: 34)
            #expect(try await store.expireLeases().isEmpty)
            clock.advance(seconds: 1)
            #expect(try await store.expireLeases() == ["a"])
            let row = try #require(try await store.platform("a"))
            #expect(row.state == .backingOff && row.attempts == 1 && row.nextRetryAt == clock.nowMillis() + 30_000)
        }
    }

    @Test("the event history is bounded per platform, newest kept")
    func eventsBounded() async throws {
        var settings = StoreSettings()
        settings.eventsPerPlatform = 10
        try await withStore(settings: settings) { store, _, _ in
            try await store.startup(configured: [PlatformSpec(name: "a", type: "irc"), PlatformSpec(name: "b", type: "irc")])
            for _ in 0..<20 {
                try await store.pause("a", actor: .operator("x"))
                try await store.resume("a", actor: .operator("x"))
            }
            #expect(try await store.eventCount(platform: "a") == 10)
            #expect(try await store.events(platform: "a").last?.kind == .resumed)
            #expect(try await store.eventCount(platform: "b") == 1, "another platform's history is untouched")
        }
    }

    @Test("the earliest due retry is an index lookup (EXPLAIN QUERY PLAN uses platforms_due)")
    func earliestDueUsesIndex() async throws {
        try await withStore { _, _, path in
            let connection = try Connection(path: path, options: .init())
            for sql in [
                "SELECT min(next_retry_at) FROM platforms WHERE state = 'backing_off'",
                "SELECT name FROM platforms WHERE state = 'backing_off' AND next_retry_at <= 5 ORDER BY next_retry_at, name LIMIT 10",
                "SELECT min(lease_until) FROM platforms WHERE state = 'connecting'",
            ] {
                let plan = try connection.rows("EXPLAIN QUERY PLAN " + sql) { $0.string(3) }.joined(separator: "; ")
                #expect(plan.contains("platforms_due") || plan.contains("platforms_leases"), "\(sql): \(plan)")
                #expect(!plan.contains("SCAN platforms"), "\(sql): \(plan)")
            }
        }
    }

    @Test("a call with two statements is refused, naming it, and runs neither; trailing semicolons and comments are fine")
    func oneStatementPerCall() async throws {
        try await withStore { _, _, path in
            let connection = try Connection(path: path, options: .init())
            try connection.execute("CREATE TABLE scratch (x INTEGER);  -- a trailing comment\n;")
            #expect {
                try connection.execute("INSERT INTO scratch VALUES (1); INSERT INTO scratch VALUES (2)")
            } throws: { error in
                "\(error)".contains("more than one statement")
            }
            #expect(try connection.rows("SELECT count(*) FROM scratch") { $0.int(0) } == [0], "neither ran")
        }
    }

        @Test("cursors persist per platform and key")
    func cursors() async throws {
        try await withStore { store, _, _ in
            try await store.startup(configured: [PlatformSpec(name: "d", type: "discord")])
            try await store.setCursors(platform: "d", ["session_id": "abc", "seq": "41"])
            try await store.setCursor(platform: "d", key: "seq", value: "42")
            #expect(try await store.cursor(platform: "d", key: "seq") == "42")
            #expect(try await store.cursor(platform: "d", key: "session_id") == "abc")
            try await store.removeCursor(platform: "d", key: "session_id")
            #expect(try await store.cursor(platform: "d", key: "session_id") == nil)
        }
    }

    @Test("one daemon per database: a live lease is refused naming pid and host; a stale or dead one is taken over")
    func daemonLease() async throws {
        try await withStore { store, clock, _ in
            let first = DaemonIdentity(owner: "one", pid: 4242, host: "box-a")
            let second = DaemonIdentity(owner: "two", pid: 777, host: "box-b")
            try await store.acquireDaemonLease(first) { _ in true }
            let error = try await #require(throws: StoreError.self) { try await store.acquireDaemonLease(second) { _ in true } }
            #expect(error.code == .leaseHeld && error.description.contains("pid 4242") && error.description.contains("box-a"))

            clock.advance(seconds: 31)  // heartbeat stale
            try await store.acquireDaemonLease(second) { _ in true }
            #expect(try await store.daemonLease()?.identity == second)
            await #expect(throws: StoreError.self) { try await store.heartbeat(owner: "one") }

            let sameHost = DaemonIdentity(owner: "three", pid: 1, host: "box-b")
            try await store.acquireDaemonLease(sameHost) { pid in pid != 777 }  // 777 is gone on this host
            #expect(try await store.daemonLease()?.identity.owner == "three")
            try await store.heartbeat(owner: "three", watcher: true)
            #expect(try await store.daemonLease()?.watcherAt == clock.nowMillis())
            try await store.releaseDaemonLease(owner: "three")
            #expect(try await store.daemonLease() == nil)
        }
    }
}
