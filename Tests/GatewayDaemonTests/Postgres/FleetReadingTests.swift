import Foundation
import GatewayCore
import GatewayPostgres
import GatewayStore
import Testing

/// What supervision reads and records beside the queue: alert incidents, endpoint probes, the history, the daemon's
/// heartbeat. Where the SQLite `Store` has the method, one body runs on both backends and they must agree; the
/// fleet's own rules (one daemon fires an alert, a daemon touches its own rows only) run on PostgreSQL alone.
@Suite("Supervision reads and records: SQLite and PostgreSQL", .enabled(if: PostgresServer.binDirectory != nil, "\(PostgresServer.missing)"))
struct FleetReadingTests {
    /// SQLite or PostgreSQL (the black-box tests' choice of database, here for the stores themselves).
    typealias Backend = BlackboxBackend

    static let policy = BackoffPolicy(baseMillis: 30_000, factor: 2, jitter: 0, connectTimeoutMillis: 30_000, stablePeriodMillis: 600_000)
    static let daemon = "daemon-1"
    static let chat = "tcp://chat.example:6667"
    static let other = "tls://other.example:443"
    static let network = PlatformFailure(.network, code: "ECONNREFUSED", message: "connection refused")
    /// The script's platforms and their endpoints.
    static let scriptNames = ["a": chat, "b": chat, "c": other, "d": chat, "e": chat]

    static func specs(_ names: [String: String]) -> [PlatformSpec] {
        names.keys.sorted().map { PlatformSpec(name: $0, type: "simulated", fingerprint: "fp-\($0)", policy: policy, endpoint: names[$0]) }
    }

    /// One backend's store, seen through what both have, plus the calls whose owner differs (`FleetQueue` on
    /// PostgreSQL) or whose arguments do (the alert event's actor).
    struct Subject: Sendable {
        let store: any ReadingStore
        let queue: any SupervisionQueue
        let pullForward: @Sendable (_ endpoint: String, _ gate: (any LoginGate)?) async throws -> Int
        let adjustForClockJumps: @Sendable () async throws -> [String]
        let recordAlertEvent: @Sendable (_ platform: String, _ sent: Bool, _ detail: String) async throws -> Void
        let close: @Sendable () async -> Void
    }

    /// A fresh store holding `names` (name → endpoint), all due now and (on PostgreSQL) owned by `daemon`; the
    /// pull-forward window is 0 so that a pull-forward is exact on both.
    static func subject(_ backend: Backend, clock: ManualClock, names: [String: String]) async throws -> Subject {
        switch backend {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appending(path: "reading-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let store = try Store(
                path: directory.appending(path: "gateway.db").path, clock: clock,
                settings: StoreSettings(pullForwardWindowMillis: 0))
            _ = try await store.startup(configured: specs(names))
            return Subject(
                store: store, queue: store,
                pullForward: { try await store.pullForward(endpoint: $0, windowMillis: 0, reason: "probe ok", gate: $1) },
                adjustForClockJumps: { try await store.adjustForClockJumps() },
                recordAlertEvent: { try await store.recordAlertEvent(platform: $0, sent: $1, detail: $2) },
                close: { try? FileManager.default.removeItem(at: directory) })
        case .postgres:
            let store = try await PostgresStore(location: try await SharedPostgres.database(), clock: clock, pullForwardWindowMillis: 0)
            try await store.register(specs(names))
            try await store.join(DaemonIdentity(owner: daemon, pid: 1, host: "h"))
            _ = try await store.claim(for: daemon, share: names.count, leaseMillis: 86_400_000)
            let queue = FleetQueue(store: store, daemon: daemon)
            return Subject(
                store: store, queue: queue,
                pullForward: { try await queue.pullForward(endpoint: $0, windowMillis: 0, reason: "probe ok", gate: $1) },
                adjustForClockJumps: { try await queue.adjustForClockJumps() },
                recordAlertEvent: { try await store.recordAlertEvent(platform: $0, sent: $1, detail: $2, actor: "alerts") },
                close: { await store.close() })
        }
    }

    /// Holds a later login slot for `waiting`: a pull-forward leaves them be.
    struct HoldingGate: LoginGate {
        let waiting: Set<String>
        func slot(for platform: String, now: Int64) -> LoginSlotGrant { LoginSlotGrant(start: now, detail: "test budget") }
        func holdsSlot(for platform: String, now: Int64) -> Bool { waiting.contains(platform) }
    }

    /// An event as text, the daemon's actor named alike on both (SQLite writes `daemon`, a fleet daemon `daemon:<id>`).
    static func line(_ event: PlatformEvent) -> String {
        let actor = event.actor == "daemon:\(daemon)" ? "daemon" : event.actor
        return "#\(event.id) \(event.platform) @\(event.at) \(event.kind.rawValue) \(event.fromState?.rawValue ?? "-")→\(event.toState?.rawValue ?? "-") "
            + "attempt \(event.attempt.map(String.init) ?? "-") \(event.errorClass?.rawValue ?? "-") '\(event.detail ?? "")' by \(actor)"
    }

    /// The script: incidents, alert events, probes, a pull-forward by endpoint, a clock jump, the history. Returns
    /// everything it read, as text, to be compared between the backends.
    static func script(_ subject: Subject, clock: ManualClock) async throws -> [String] {
        var log: [String] = []
        let store = subject.store, queue = subject.queue
        let start = clock.nowMillis()

        // Incidents: opened once, closed once.
        let down = AlertIncident(subject: "a", kind: "down", openedAt: start, detail: "a is down")
        #expect(try await store.openIncident(down))
        #expect(try await !store.openIncident(AlertIncident(subject: "a", kind: "down", openedAt: start + 1, detail: "again")), "already open")
        #expect(try await store.openIncident(AlertIncident(subject: "daemon", kind: "watcher_stalled", openedAt: start - 5, detail: nil)))
        #expect(try await store.openIncident(AlertIncident(subject: "a", kind: "exhausted", openedAt: start, detail: nil)))
        let open = try await store.openIncidents()
        #expect(open.map { "\($0.subject)/\($0.kind)" } == ["daemon/watcher_stalled", "a/down", "a/exhausted"])
        #expect(open[1] == down, "the first opening's row, not the second's")
        log += open.map { "incident \($0)" }
        #expect(try await store.closeIncident(subject: "a", kind: "down"))
        #expect(try await !store.closeIncident(subject: "a", kind: "down"), "already closed")
        #expect(try await !store.closeIncident(subject: "b", kind: "down"), "never opened")
        #expect(try await store.openIncidents().map { "\($0.subject)/\($0.kind)" } == ["daemon/watcher_stalled", "a/exhausted"])

        // Everything starts an attempt; a, b, d (chat) and c (other) fail on the network, e (chat) on its server.
        let claimed = try await queue.claimDue(owner: daemon, limit: 1_000, leaseMarginMillis: 5_000, gate: nil).map(\.name)
        #expect(claimed == ["a", "b", "c", "d", "e"])
        clock.advance(seconds: 1)
        for name in ["a", "b", "c", "d"] { try await queue.recordFailure(name, owner: daemon, failure: network) }
        try await queue.recordFailure("e", owner: daemon, failure: PlatformFailure(.server, code: "502", message: "Bad Gateway"))
        let failedAt = clock.nowMillis()
        let sinceFailures = try await store.lastEventID()

        // Alert events: the row's state as from and to; none for a platform the database does not have.
        try await subject.recordAlertEvent("e", true, "sent to ops")
        try await subject.recordAlertEvent("a", false, "webhook answered 500")
        try await subject.recordAlertEvent("nobody", true, "no row")
        let alerts = try await store.events(afterID: sinceFailures, limit: 500)
        #expect(alerts.map(\.kind) == [.alertSent, .alertFailed])
        #expect(alerts.map(\.fromState) == [.backingOff, .backingOff] && alerts.map(\.toState) == [.backingOff, .backingOff])
        #expect(alerts.allSatisfy { $0.actor == "alerts" })

        // Probes: an outage starts at the first failure, lasts through the second, ends when it comes back.
        clock.advance(seconds: 1)
        let outage = clock.nowMillis()
        let first = try await store.recordProbe(chat, result: .unreachable(reason: "connect: connection refused"))
        #expect(first.unreachableSince == outage && !first.reachable && first.probes == 1 && first.cameBackAt == nil)
        #expect(try await store.recordProbe(other, result: .reachable).cameBackAt == nil, "never down: never came back")
        clock.advance(seconds: 5)
        let second = try await store.recordProbe(chat, result: .unreachable(reason: String(repeating: "x", count: 600)))
        #expect(second.unreachableSince == outage && second.probes == 2, "the same outage")
        #expect(second.lastError?.count == 500)
        clock.advance(seconds: 5)
        #expect(try await store.recordProbe(other, result: .reachable).cameBackAt == nil, "still up: it did not come back")
        let back = try await store.recordProbe(chat, result: .reachable)
        #expect(back.reachable && back.cameBackAt == clock.nowMillis() && back.unreachableSince == nil && back.lastError == nil && back.probes == 3)
        clock.advance(seconds: 1)
        let again = try await store.recordProbe(chat, result: .unreachable(reason: "dns: no such host"))
        #expect(again.unreachableSince == clock.nowMillis() && again.cameBackAt == back.cameBackAt, "a new outage")
        let probes = try await store.endpointProbes()
        #expect(probes.map(\.endpoint) == [chat, other])
        #expect(probes.first == again)
        log += probes.map { "probe \($0)" }

        // The chat endpoint is back: its network-waiting rows are due now, except d, which holds a later login slot;
        // c (another endpoint) and e (failed on its server, not the network) stay.
        let before = try await store.platforms()
        #expect(try await subject.pullForward(chat, HoldingGate(waiting: ["d"])) == 2)
        let after = try await store.platforms()
        let now = clock.nowMillis()
        #expect(after.filter { $0.nextRetryAt == now }.map(\.name) == ["a", "b"])
        #expect(after.filter { ["c", "d", "e"].contains($0.name) } == before.filter { ["c", "d", "e"].contains($0.name) })
        #expect(try await subject.pullForward(chat, nil) == 1, "d, without the gate; a and b are no longer later than the window")
        #expect(try await subject.pullForward(other, nil) == 1)
        log += try await store.platforms().map { "after pull-forward \($0)" }

        // The timeline from the failures on, with each platform's last event before them (its attempt starting).
        let timeline = try await store.timelineEvents(since: failedAt)
        let earlier = timeline.filter { $0.at < failedAt }
        #expect(earlier.map(\.platform) == ["a", "b", "c", "d", "e"], "one event before the window per platform")
        #expect(earlier.allSatisfy { $0.kind == .attemptStarted }, "each one's last before the failures")
        let inWindow = try await store.events(afterID: 0, limit: 500).filter { $0.at >= failedAt }
        #expect(timeline.filter { $0.at >= failedAt } == inWindow && inWindow.count > 5)

        // The wall clock moves back a minute: every queued row was scheduled under the later clock.
        clock.advance(seconds: -60)
        #expect(try await subject.adjustForClockJumps().sorted() == ["a", "b", "c", "d", "e"])
        #expect(try await subject.adjustForClockJumps().isEmpty, "adjusted once")
        log += try await store.platforms().map { "after the clock jump \($0)" }

        // The history: all of it, and a page after an id.
        #expect(try await store.anyLive())
        let all = try await store.events(afterID: 0, limit: 500)
        #expect(all.map(\.id) == Array(1...Int64(all.count)) && all.count > 20)
        #expect(try await store.lastEventID() == all.last?.id)
        #expect(try await store.events(afterID: 3, limit: 2).map(\.id) == [4, 5])
        log += all.map { "event \(line($0))" } + timeline.map { "timeline \(line($0))" }
        return log
    }

    @Test("incidents, alert events, probes, a pull-forward by endpoint, a clock jump and the history", arguments: Backend.allCases)
    func operations(backend: Backend) async throws {
        let clock = ManualClock()
        let subject = try await Self.subject(backend, clock: clock, names: Self.scriptNames)
        defer { Task { await subject.close() } }
        _ = try await Self.script(subject, clock: clock)
    }

    @Test("the same script reads the same on both stores")
    func sameReads() async throws {
        var logs: [[String]] = []
        for backend in Backend.allCases {
            let clock = ManualClock()
            let subject = try await Self.subject(backend, clock: clock, names: Self.scriptNames)
            logs.append(try await Self.script(subject, clock: clock))
            await subject.close()
        }
        #expect(logs[0].count == logs[1].count && !logs[0].isEmpty)
        for (sqlite, postgres) in zip(logs[0], logs[1]) where sqlite != postgres {
            Issue.record("SQLite and PostgreSQL differ:\n  \(sqlite)\n  \(postgres)")
        }
    }

    @Test("anyLive: connected, connecting or queued — not a platform that waits for a human", arguments: Backend.allCases)
    func anyLive(backend: Backend) async throws {
        let clock = ManualClock()
        let subject = try await Self.subject(backend, clock: clock, names: ["a": Self.chat, "b": Self.chat])
        defer { Task { await subject.close() } }
        #expect(try await subject.store.anyLive(), "queued")
        _ = try await subject.queue.claimDue(owner: Self.daemon, limit: 1_000, leaseMarginMillis: 5_000, gate: nil)
        #expect(try await subject.store.anyLive(), "connecting")
        try await subject.queue.recordFailure("a", owner: Self.daemon, failure: PlatformFailure(.auth, code: "401", message: "Unauthorized"))
        try await subject.queue.recordSuccess("b", owner: Self.daemon, gate: nil)
        #expect(try await subject.store.anyLive(), "connected")
        let dropped = try await subject.queue.recordDisconnect("b", failure: PlatformFailure(.auth, code: "401", message: "Unauthorized"))
        #expect(dropped.state == .needsAttention)
        #expect(try await !subject.store.anyLive(), "both wait for a human")
    }
}

// MARK: - The fleet's own rules (PostgreSQL)

extension FleetReadingTests {
    /// Two daemons' stores (two pools) on one fresh database, on one clock.
    static func twoStores(clock: ManualClock) async throws -> (PostgresStore, PostgresStore) {
        let location = try await SharedPostgres.database()
        let one = try await PostgresStore(location: location, clock: clock, pullForwardWindowMillis: 0)
        let two = try await PostgresStore(location: location, clock: clock, pullForwardWindowMillis: 0)
        return (one, two)
    }

    @Test("of two daemons opening the same incident at once, one fires the alert; closing it is one's too")
    func oneDaemonFires() async throws {
        let clock = ManualClock()
        let (one, two) = try await Self.twoStores(clock: clock)
        defer { Task { await one.close(); await two.close() } }
        for round in 0..<20 {
            let incident = AlertIncident(subject: "tg-\(round)", kind: "down", openedAt: clock.nowMillis(), detail: nil)
            async let first = one.openIncident(incident)
            async let second = two.openIncident(incident)
            let opened = try await [first, second]
            #expect(opened.filter { $0 }.count == 1, "round \(round): \(opened)")
            async let closeFirst = one.closeIncident(subject: incident.subject, kind: "down")
            async let closeSecond = two.closeIncident(subject: incident.subject, kind: "down")
            let closed = try await [closeFirst, closeSecond]
            #expect(closed.filter { $0 }.count == 1, "round \(round): \(closed)")
        }
        #expect(try await one.openIncidents().isEmpty)
        #expect(try await two.openIncident(AlertIncident(subject: "tg-0", kind: "down", openedAt: 0, detail: nil)), "closed: it can open again")
    }

    @Test("an endpoint's waiting platforms and its pull-forward are the daemon's own rows only")
    func ownRowsOnly() async throws {
        let clock = ManualClock()
        let store = try await PostgresStore(location: try await SharedPostgres.database(), clock: clock, pullForwardWindowMillis: 0)
        defer { Task { await store.close() } }
        try await store.register(Self.specs(["p1": Self.chat, "p2": Self.chat, "p3": Self.chat, "p4": Self.chat, "q": Self.other]))
        for daemon in ["one", "two", "idle"] { try await store.join(DaemonIdentity(owner: daemon, pid: 1, host: "h")) }
        _ = try await store.claim(for: "one", share: 2, leaseMillis: 20_000)  // runs out before the retries (30 s)
        _ = try await store.claim(for: "two", share: 3, leaseMillis: 600_000)
        let mine = try await store.owned(by: "one"), theirs = try await store.owned(by: "two")
        #expect(mine.count == 2 && theirs.count == 3)
        for daemon in ["one", "two"] {
            let queue = FleetQueue(store: store, daemon: daemon)
            for record in try await queue.claimDue(owner: daemon, limit: 1_000, leaseMarginMillis: 5_000, gate: nil) {
                // q fails on its server: it waits, but not for the network.
                let failure = record.name == "q" ? PlatformFailure(.server, code: "502", message: "Bad Gateway") : Self.network
                try await queue.recordFailure(record.name, owner: daemon, failure: failure)
            }
        }
        let endpoints = [Self.chat, Self.other, "tcp://nowhere.example:1"]
        let waiting = try await store.records().filter { $0.record.lastErrorClass == .network }
        let expectedOne = Set(waiting.filter { mine.contains($0.record.name) }.compactMap(\.record.endpoint))
        let expectedTwo = Set(waiting.filter { theirs.contains($0.record.name) }.compactMap(\.record.endpoint))
        #expect(theirs.contains("q") && expectedTwo == [Self.chat], "q waits, but not for the network")
        #expect(try await store.endpointsWithNetworkWait(endpoints, ownedBy: "one") == expectedOne)
        #expect(try await store.endpointsWithNetworkWait(endpoints, ownedBy: "two") == expectedTwo)
        #expect(try await store.endpointsWithNetworkWait(endpoints, ownedBy: "idle").isEmpty, "idle owns nothing")
        #expect(try await store.endpointsWithNetworkWait([], ownedBy: "one").isEmpty)

        // Once one's leases have run out, its rows are no longer its own: nothing waits for it, nothing moves.
        clock.advance(seconds: 25)
        #expect(try await store.endpointsWithNetworkWait(endpoints, ownedBy: "one").isEmpty)
        let one = FleetQueue(store: store, daemon: "one")
        #expect(try await one.pullForward(endpoint: Self.chat, windowMillis: 0, reason: "probe ok", gate: nil) == 0)
        #expect(try await store.claim(for: "one", share: 2, leaseMillis: 600_000).claimed.sorted() == mine, "one takes them back")
        #expect(try await store.endpointsWithNetworkWait(endpoints, ownedBy: "one") == expectedOne)

        // One's chat platforms come forward; two's stay as they were.
        let before = try await store.records()
        let moved = try await one.pullForward(endpoint: Self.chat, windowMillis: 0, reason: "probe ok", gate: nil)
        let after = try await store.records()
        let oneChat = before.filter { mine.contains($0.record.name) && $0.record.endpoint == Self.chat }.map(\.record.name)
        #expect(moved == oneChat.count && moved > 0)
        #expect(after.filter { $0.record.nextRetryAt == clock.nowMillis() }.map(\.record.name) == oneChat)
        #expect(after.filter { theirs.contains($0.record.name) } == before.filter { theirs.contains($0.record.name) })
        let idle = FleetQueue(store: store, daemon: "idle")
        #expect(try await idle.pullForward(endpoint: Self.chat, windowMillis: 0, reason: "probe ok", gate: nil) == 0)

        // The clock moves back: each daemon shortens its own rows' waits.
        clock.advance(seconds: -60)
        #expect(try await one.adjustForClockJumps().sorted() == mine.sorted())
        #expect(try await store.records().filter { theirs.contains($0.record.name) } == after.filter { theirs.contains($0.record.name) })
        #expect(try await FleetQueue(store: store, daemon: "two").adjustForClockJumps().sorted() == theirs.sorted())
    }

    @Test("the heartbeat: the daemon's, and its watcher's when the watcher beats")
    func heartbeat() async throws {
        let clock = ManualClock()
        let store = try await PostgresStore(location: try await SharedPostgres.database(), clock: clock)
        defer { Task { await store.close() } }
        let identity = DaemonIdentity(owner: "d1", pid: 42, host: "box")
        let started = clock.nowMillis()
        try await store.join(identity)
        func lease(heartbeat: Int64, watcher: Int64?) -> DaemonLease {
            DaemonLease(identity: identity, startedAt: started, heartbeatAt: started + heartbeat, watcherAt: watcher.map { started + $0 })
        }
        #expect(try await store.daemonLease(owner: "d1") == lease(heartbeat: 0, watcher: nil))
        clock.advance(seconds: 1)
        try await store.heartbeat(owner: "d1", watcher: false)
        #expect(try await store.daemonLease(owner: "d1") == lease(heartbeat: 1_000, watcher: nil))
        clock.advance(seconds: 1)
        try await store.heartbeat(owner: "d1", watcher: true)
        #expect(try await store.daemonLease(owner: "d1") == lease(heartbeat: 2_000, watcher: 2_000))
        clock.advance(seconds: 1)
        try await store.heartbeat(owner: "d1", watcher: false)
        #expect(try await store.daemonLease(owner: "d1") == lease(heartbeat: 3_000, watcher: 2_000), "the watcher's stays")
        #expect(try await store.daemonLease(owner: "d2") == nil)
    }

    @Test("the heartbeat of a daemon the database does not know throws, naming it; nothing is written")
    func unknownDaemonHeartbeat() async throws {
        let store = try await PostgresStore(location: try await SharedPostgres.database(), clock: ManualClock())
        defer { Task { await store.close() } }
        try await store.join(DaemonIdentity(owner: "d1", pid: 1, host: "h"))
        let before = try await store.fleet()
        for watcher in [false, true] {
            await #expect {
                try await store.heartbeat(owner: "ghost", watcher: watcher)
            } throws: {
                ($0 as? FleetStoreError)?.code == .unknownDaemon && "\($0)".contains("daemon ghost")
            }
        }
        #expect(try await store.fleet() == before)
    }
}

/// What both stores answer alike.
protocol ReadingStore: Sendable {
    func openIncident(_ incident: AlertIncident) async throws -> Bool
    func closeIncident(subject: String, kind: String) async throws -> Bool
    func openIncidents() async throws -> [AlertIncident]
    func recordProbe(_ endpoint: String, result: ProbeResult) async throws -> EndpointProbe
    func endpointProbes() async throws -> [EndpointProbe]
    func platforms() async throws -> [PlatformRecord]
    func anyLive() async throws -> Bool
    func lastEventID() async throws -> Int64
    func events(afterID id: Int64, limit: Int) async throws -> [PlatformEvent]
    func timelineEvents(since: Int64) async throws -> [PlatformEvent]
}

extension Store: ReadingStore {}
extension PostgresStore: ReadingStore {}
