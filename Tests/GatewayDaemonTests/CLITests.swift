import ArgumentParser
import Foundation
import Testing

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime
@testable import GatewayStore

// MARK: - Helpers (private: other files of this target may define their own)

private let now: Int64 = 1_800_000_000_000  // 2027-01-15T08:00:00Z

private func record(_ name: String, _ state: PlatformState, attempts: Int = 0) -> PlatformRecord {
    var record = PlatformRecord(name: name, type: name, fingerprint: nil, now: now - 3_600_000)
    record.state = state
    record.attempts = attempts
    record.nextRetryAt = state == .backingOff ? now : nil
    return record
}

private func lease(heartbeatAgo millis: Int64, watcherAgo: Int64? = nil) -> DaemonLease {
    DaemonLease(
        identity: DaemonIdentity(owner: "o-1", pid: 123, host: "h1"), startedAt: now - 60_000,
        heartbeatAt: now - millis, watcherAt: watcherAgo.map { now - $0 })
}

/// A path for a database in a fresh temporary directory (no file yet); the directory is removed afterwards.
private func withDatabasePath<T>(_ body: (String) async throws -> T) async throws -> T {
    let dir = FileManager.default.temporaryDirectory.appending(path: "gatewayd-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    return try await body(dir.appending(path: "gateway.db").path)
}

/// A database with the given platforms, set up as `gatewayd run` would.
private func withDatabase<T>(_ specs: [PlatformSpec], _ body: (Store, String) async throws -> T) async throws -> T {
    try await withDatabasePath { path in
        let store = try Store(path: path)
        try await store.startup(configured: specs)
        return try await body(store, path)
    }
}

/// Parses `arguments` as the executable would and runs the command; its exit code (0 when it returned).
private func run(_ arguments: [String]) async throws -> Int32 {
    var command = try GatewayCommand.parseAsRoot(arguments)
    do {
        if var asyncCommand = command as? any AsyncParsableCommand { try await asyncCommand.run() } else { try command.run() }
        return 0
    } catch let exit as ExitCode {
        return exit.rawValue
    }
}

/// The column (in characters) where `needle` starts on `line`.
private func column(of needle: String, in line: some StringProtocol) -> Int? {
    line.range(of: needle).map { line.distance(from: line.startIndex, to: $0.lowerBound) }
}

// MARK: - Pure formatting

@Suite("CLI formatting")
struct CLIFormattingTests {
    @Test("spans use their two largest units and drop a zero second unit")
    func spans() {
        let cases: [(Int64, String)] = [
            (0, "0s"), (45, "45s"), (130, "2m 10s"), (120, "2m"), (10_800, "3h"), (11_100, "3h 5m"), (3_661, "1h 1m"),
            (187_200, "2d 4h"), (173_100, "2d"),
        ]
        for (seconds, text) in cases { #expect(RelativeTime.span(seconds: seconds) == text, "\(seconds) s") }
    }

    @Test("relative times: future rounds up, past rounds down, under a second ago is now")
    func relative() {
        #expect(RelativeTime.describe(now + 130_000, now: now) == "in 2m 10s")
        #expect(RelativeTime.describe(now + 1, now: now) == "in 1s")
        #expect(RelativeTime.describe(now + 44_001, now: now) == "in 45s")
        #expect(RelativeTime.describe(now, now: now) == "now")
        #expect(RelativeTime.describe(now - 999, now: now) == "now")
        #expect(RelativeTime.describe(now - 3 * 3_600_000 - 59_000, now: now) == "3h ago")
        #expect(RelativeTime.describe(now - (2 * 86_400 + 4 * 3_600 + 1_800) * 1000, now: now) == "2d 4h ago")
        #expect(RelativeTime.due(now - 5_000, now: now) == "now")
        #expect(RelativeTime.due(now - 300_000, now: now) == "overdue 5m")
        #expect(RelativeTime.due(now + 45_000, now: now) == "in 45s")
        #expect(RelativeTime.ago(now + 5_000, now: now) == "0s ago")
    }

    @Test("UTC ISO-8601: known instants, and agreement with Foundation over two centuries")
    func iso() {
        #expect(UTCTime.iso8601(millis: now) == "2027-01-15T08:00:00.000Z")
        #expect(UTCTime.iso8601(millis: 1_709_210_096_789) == "2024-02-29T12:34:56.789Z")
        #expect(UTCTime.iso8601(millis: 951_782_400_000, fractional: false) == "2000-02-29T00:00:00Z")
        #expect(UTCTime.iso8601(millis: 4_102_444_799_000, fractional: false) == "2099-12-31T23:59:59Z")
        #expect(UTCTime.iso8601(millis: -1) == "1969-12-31T23:59:59.999Z")
        #expect(UTCTime.iso8601(millis: -86_400_000, fractional: false) == "1969-12-31T00:00:00Z")
        let reference = ISO8601DateFormatter()
        reference.formatOptions = [.withInternetDateTime]
        reference.timeZone = .gmt
        for seconds in stride(from: Int64(-2_208_988_800), through: 7_258_118_400, by: 7_777_777) {
            let expected = reference.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            #expect(UTCTime.iso8601(millis: seconds * 1000, fractional: false) == expected)
        }
    }

    @Test("a table aligns columns by their widest cell, right-aligns numbers and trims trailing spaces")
    func tableLayout() {
        var table = TextTable(columns: [.init("NAME"), .init("N", alignment: .right), .init("NOTE")], flexibleColumn: 2)
        table.append(["a", "3", "x"])
        table.append(["longer", "12", "a much longer note here"])
        #expect(table.render() == "NAME     N  NOTE\na        3  x\nlonger  12  a much longer note here")
        #expect(table.render(width: 25).split(separator: "\n").last == "longer  12  a much longe…")
        // The flexible column never shrinks below its minimum, however narrow the terminal.
        #expect(table.render(width: 10).split(separator: "\n").last == "longer  12  a much long…")
    }

    @Test("cells cannot break lines or smuggle terminal escapes")
    func tableSanitizes() {
        var table = TextTable(columns: [.init("A"), .init("B")])
        table.append(["evil\u{1B}[31m", "line1\nline2\r\tx"])
        let text = table.render()
        #expect(text.split(separator: "\n").count == 2)
        #expect(!text.unicodeScalars.contains("\u{1B}") && text.contains("line1 line2  x"))
    }

    @Test("the daemon line: running, stale, absent")
    func daemonLine() {
        #expect(DaemonView.line(lease(heartbeatAgo: 2_000), now: now) == "daemon: pid 123 on h1, heartbeat 2s ago")
        #expect(DaemonView.line(lease(heartbeatAgo: 2_000, watcherAgo: 1_000), now: now).hasSuffix(", watcher 1s ago"))
        #expect(DaemonView.line(lease(heartbeatAgo: 300_000), now: now)
            == "daemon: not running (pid 123 on h1 stopped heartbeating 5m ago)")
        #expect(DaemonView.line(nil, now: now) == "daemon: not running")
    }

    @Test("status table: aligned rows with next retry, connected since and the last error")
    func statusTable() throws {
        var telegram = record("telegram", .backingOff, attempts: 3)
        telegram.nextRetryAt = now + 130_000
        telegram.lastErrorClass = .rateLimited
        telegram.lastErrorCode = "429"
        telegram.lastError = "Too Many Requests"
        var discord = record("discord", .connected)
        discord.connectedSince = now - 3 * 3_600_000
        let lines = StatusView.render(records: [discord, telegram], lease: lease(heartbeatAgo: 2_000), now: now)
            .split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[0] == "daemon: pid 123 on h1, heartbeat 2s ago")
        let (header, discordLine, telegramLine) = (lines[1], lines[2], lines[3])
        #expect(discordLine.contains("3h ago") && telegramLine.contains("in 2m 10s"))
        #expect(telegramLine.hasSuffix("rateLimited 429: Too Many Requests"))
        for (title, cell) in [("STATE", "backing_off"), ("NEXT RETRY", "in 2m 10s"), ("LAST ERROR", "rateLimited")] {
            #expect(column(of: title, in: header) == column(of: cell, in: telegramLine), "\(title)")
        }
        #expect(column(of: "connected", in: discordLine) == column(of: "STATE", in: header))
        #expect(column(of: "INBOX", in: header) != nil && column(of: "OUTBOX", in: header) != nil)
        let narrow = StatusView.render(records: [telegram], lease: nil, now: now, width: 95).split(separator: "\n")
        #expect(narrow[2].count == 95 && narrow[2].hasSuffix("  rateLimited 4…"), "\(narrow[2])")
    }

    @Test("status notes when no daemon runs that connected rows are the last daemon's word")
    func statusWithoutDaemon() {
        let text = StatusView.render(records: [record("irc", .connected)], lease: nil, now: now)
        #expect(text.hasPrefix("daemon: not running\n") && text.contains("note: no daemon is running"))
        #expect(!StatusView.render(records: [record("irc", .connected)], lease: lease(heartbeatAgo: 0), now: now)
            .contains("note:"))
    }

    @Test("status JSON: every documented key, nulls written out, keys sorted, round-trips")
    func statusJSON() throws {
        let data = try StatusView.json(records: [record("irc", .connected)], lease: nil, now: now)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["daemon"] is NSNull)
        let platform = try #require((object["platforms"] as? [[String: Any]])?.first)
        let expectedKeys: Set = [
            "name", "type", "state", "attempts", "next_retry_at", "next_retry_in_s", "not_before", "last_error_class",
            "last_error_code", "last_error", "first_failed_at", "connected_since", "exhausted", "state_changed_at",
            "endpoint",
        ]
        #expect(Set(platform.keys) == expectedKeys)
        #expect(platform["next_retry_at"] is NSNull && platform["state"] as? String == "connected")

        var queued = record("tg", .backingOff, attempts: 2)
        queued.nextRetryAt = now + 1_500
        let single = JSONOutput.text(try JSONOutput.encode(PlatformJSON(queued, now: now)))
        let keys = single.split(separator: "\n").compactMap { $0.split(separator: "\"").dropFirst().first.map(String.init) }
        #expect(keys == expectedKeys.sorted())
        #expect(PlatformJSON(queued, now: now).nextRetryInS == 2)

        let status = StatusJSON(daemon: DaemonJSON(lease(heartbeatAgo: 2_000), now: now), platforms: [PlatformJSON(queued, now: now)], endpoints: [])
        #expect(try JSONDecoder().decode(StatusJSON.self, from: JSONOutput.encode(status)) == status)
        #expect(status.daemon?.alive == true && status.daemon?.heartbeatAgeS == 2)
    }

    @Test("health rule: every enabled platform connected; disabled ones do not count")
    func health() {
        let now: Int64 = 1_800_000_000_000
        let alive = DaemonLease(identity: DaemonIdentity(owner: "o", pid: 1, host: "h"), startedAt: now - 60_000, heartbeatAt: now - 2_000, watcherAt: now - 2_000)
        var stale = alive
        stale.heartbeatAt = now - 120_000
        #expect(StatusView.isHealthy([record("a", .connected), record("b", .disabled)], lease: alive, now: now))
        #expect(!StatusView.isHealthy([record("a", .connected), record("b", .backingOff)], lease: alive, now: now))
        #expect(!StatusView.isHealthy([record("a", .paused)], lease: alive, now: now))
        #expect(StatusView.isHealthy([], lease: alive, now: now))
        #expect(!StatusView.isHealthy([record("a", .connected)], lease: nil, now: now), "no daemon: not healthy")
        #expect(!StatusView.isHealthy([record("a", .connected)], lease: stale, now: now), "a dead daemon's rows lie")
    }

    @Test("queue and events views")
    func queueAndEvents() {
        #expect(QueueView.render(queue: [], now: now) == "the reconnect queue is empty")
        var queued = record("tg", .backingOff, attempts: 4)
        queued.nextRetryAt = now + 45_000
        queued.notBefore = now + 30_000
        queued.lastErrorClass = .network
        queued.lastError = "connection refused"
        let row = QueueView.render(queue: [queued], now: now).split(separator: "\n")[1]
        #expect(row.contains("in 45s") && row.contains("2027-01-15T08:00:45Z") && row.contains("in 30s"))
        #expect(row.hasSuffix("network  connection refused"))

        let event = PlatformEvent(
            id: 7, platform: "tg", at: now + 5, kind: .retryNow, fromState: .backingOff, toState: .backingOff,
            attempt: 4, errorClass: nil, detail: "the server asked to wait", actor: "operator:alice")
        let added = PlatformEvent(
            platform: "tg", at: now, kind: .added, fromState: nil, toState: .backingOff, attempt: 0, errorClass: nil,
            detail: nil, actor: "config")
        let lines = EventsView.render(events: [added, event]).split(separator: "\n")
        #expect(lines[1].hasPrefix("2027-01-15T08:00:00.000Z  tg") && lines[1].contains("-→backing_off"))
        #expect(lines[2].contains("backing_off→backing_off") && lines[2].hasSuffix("operator:alice  the server asked to wait"))
        #expect(EventsView.render(events: []) == "no events")
    }

    @Test("operator line: new state, when due, and whether a daemon will act")
    func operatorLine() {
        let retried = record("telegram", .backingOff, attempts: 3)
        #expect(OperatorView.render(command: "retry", record: retried, now: now, daemonAlive: true)
            == "retry: telegram is backing_off, due now (attempt 3 so far); a running daemon acts on it within a second")
        #expect(OperatorView.render(command: "pause", record: record("telegram", .paused), now: now, daemonAlive: false)
            == "pause: telegram is paused; no daemon is running: the next one to start acts on it")
    }
}

// MARK: - Commands against real database files

@Suite("CLI commands")
struct CLICommandTests {
    @Test("status exits 0 only when a daemon is alive and every enabled platform is connected")
    func statusExitCode() async throws {
        let specs = [PlatformSpec(name: "tg", type: "telegram"), PlatformSpec(name: "dc", type: "discord"),
                     PlatformSpec(name: "off", type: "irc", enabled: false)]
        try await withDatabase(specs) { store, path in
            #expect(try await run(["status", "--db", path]) == 1)
            for claimed in try await store.claimDue(owner: "test") { try await store.recordSuccess(claimed.name, owner: "test") }
            #expect(try await run(["status", "--db", path]) == 1, "all connected, but no daemon holds the lease")
            try await store.acquireDaemonLease(DaemonIdentity(owner: "test", pid: 1, host: "h")) { _ in true }
            #expect(try await run(["status", "--db", path]) == 0)
            #expect(try await run(["status", "--db", path, "--json"]) == 0)
            try await store.recordDisconnect("dc", failure: PlatformFailure(.network, message: "reset by peer"))
            #expect(try await run(["status", "--db", path, "--json"]) == 1)
            #expect(try await run(["queue", "--db", path]) == 0)
            #expect(try await run(["events", "dc", "--db", path, "--limit", "5", "--json"]) == 0)
        }
    }

    @Test("operator commands change the row and audit the change as operator:<name>")
    func operatorCommands() async throws {
        try await withDatabase([PlatformSpec(name: "tg", type: "telegram")]) { store, path in
            _ = try await store.claimDue(owner: "test")
            try await store.recordFailure("tg", owner: "test", failure: PlatformFailure(.network, message: "refused"))
            #expect(try #require(try await store.platform("tg")?.nextRetryAt) > SystemWallClock().nowMillis() + 10_000)

            #expect(try await run(["retry", "tg", "--db", path, "--actor", "alice"]) == 0)
            let retried = try #require(try await store.platform("tg"))
            #expect(retried.state == .backingOff && retried.attempts == 1)
            #expect(try #require(retried.nextRetryAt) <= SystemWallClock().nowMillis())
            var last = try #require(try await store.events(platform: "tg", limit: 1).last)
            #expect(last.kind == .retryNow && last.actor == "operator:alice")

            #expect(try await run(["pause", "tg", "--db", path, "--actor", "bob"]) == 0)
            #expect(try await store.platform("tg")?.state == .paused)
            last = try #require(try await store.events(platform: "tg", limit: 1).last)
            #expect(last.kind == .paused && last.actor == "operator:bob")

            // Illegal: a paused platform must be resumed first. Exit 1, row untouched.
            #expect(try await run(["retry", "tg", "--db", path]) == 1)
            #expect(try await store.platform("tg")?.state == .paused)

            #expect(try await run(["resume", "tg", "--db", path]) == 0)
            last = try #require(try await store.events(platform: "tg", limit: 1).last)
            #expect(last.kind == .resumed && last.actor == "operator:\(OperatorArguments.unixUser())")
            #expect(try await store.platform("tg")?.state == .backingOff)

            #expect(try await run(["reset", "tg", "--db", path, "--actor", "carol"]) == 0)
            #expect(try await store.platform("tg")?.attempts == 0)
            #expect(try await store.events(platform: "tg", limit: 1).last?.actor == "operator:carol")
            #expect(try await run(["pause", "tg", "--db", path, "--json"]) == 0, "--json on a write command")
            #expect(try await store.platform("tg")?.state == .paused)
            #expect(try await run(["migrate", "--db", path, "--json"]) == 0)
        }
    }

    @Test("an unknown platform exits 1 and writes nothing")
    func unknownPlatform() async throws {
        try await withDatabase([PlatformSpec(name: "tg", type: "telegram")]) { store, path in
            let before = try await store.events(limit: 1_000)
            for command in ["retry", "pause", "resume", "reset", "events"] {
                #expect(try await run([command, "nope", "--db", path]) == 1, "\(command)")
            }
            #expect(try await store.events(limit: 1_000) == before)
            #expect(throws: (any Error).self) { try GatewayCommand.parseAsRoot(["events", "--limit", "0"]) }
            #expect(throws: (any Error).self) { try GatewayCommand.parseAsRoot(["retry", "tg", "--actor", " "]) }
        }
    }

    @Test("a missing database: exit 66, and no file is created")
    func missingDatabase() async throws {
        try await withDatabasePath { path async throws in
            for arguments in [["status"], ["queue"], ["events"], ["retry", "tg"], ["pause", "tg"]] {
                #expect(try await run(arguments + ["--db", path]) == 66, "\(arguments)")
            }
            #expect(!FileManager.default.fileExists(atPath: path) && !FileManager.default.fileExists(atPath: path + "-wal"))
        }
    }

    @Test("a file that is not a database: exit 74, the file left intact")
    func notADatabase() async throws {
        try await withDatabasePath { path in
            let content = Data(String(repeating: "my notes, not a database\n", count: 100).utf8)
            try content.write(to: URL(fileURLWithPath: path))
            for arguments in [["status"], ["queue", "--json"], ["events"], ["reset", "tg"]] {
                #expect(try await run(arguments + ["--db", path]) == 74, "\(arguments)")
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == content)
        }
    }

    @Test("a database from a newer gatewayd: exit 74, the schema left as it was")
    func schemaTooNew() async throws {
        try await withDatabase([PlatformSpec(name: "tg", type: "telegram")]) { _, path in
            let sqlite3 = "/usr/bin/sqlite3"
            try #require(FileManager.default.isExecutableFile(atPath: sqlite3), "needs the sqlite3 shell")
            let newer = Store.schemaVersion + 1
            let process = try Process.run(URL(fileURLWithPath: sqlite3), arguments: [path, "PRAGMA user_version = \(newer)"])
            process.waitUntilExit()
            #expect(try await run(["status", "--db", path]) == 74)
            #expect(try await run(["retry", "tg", "--db", path]) == 74)
            #expect(try schemaVersion(of: path) == newer)
        }
    }
}

/// `PRAGMA user_version` read through the sqlite3 shell (opening a `Store` would refuse a newer schema).
private func schemaVersion(of path: String) throws -> Int {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    process.arguments = [path, "PRAGMA user_version"]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
}
