import Foundation
import Testing

@testable import GatewayStore

/// The operator's view: plain `sqlite3` reading the file while the daemon writes.
@Suite("sqlite3 CLI", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3")))
struct SQLiteCLITests {
    @Test("the reconnect_queue view is readable with sqlite3, also while a writer holds the lock")
    func readsViewDuringWrite() async throws {
        try await withStore { store, clock, path in
            clock.set(Int64(Date().timeIntervalSince1970 * 1000))
            try await store.startup(configured: [
                PlatformSpec(name: "telegram", type: "telegram", policy: noJitter),
                PlatformSpec(name: "discord", type: "discord", policy: noJitter),
            ])
            _ = try await store.claimDue(owner: "d")
            try await store.recordFailure("telegram", owner: "d", failure: PlatformFailure(.network, message: "getaddrinfo: temporary failure"))
            try await store.recordFailure("discord", owner: "d", failure: PlatformFailure(.rateLimited, code: "429", message: "rate limited", notBefore: clock.nowMillis() + 90_000))

            // A second connection (as another process would) holds the write lock with an uncommitted change.
            let writer = try Connection(path: path, options: .init())
            try writer.execute("BEGIN IMMEDIATE")
            try writer.execute("UPDATE platforms SET attempts = 99 WHERE name = 'telegram'")

            let result = try runProcess("/usr/bin/sqlite3", ["-readonly", "-header", "-separator", "|", path, "SELECT name, attempts, next_retry_utc, due_in_s, error_class, error FROM reconnect_queue"])
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first == "name|attempts|next_retry_utc|due_in_s|error_class|error")
            #expect(lines.count == 3)
            #expect(lines[1].hasPrefix("telegram|1|") && lines[1].hasSuffix("|network|getaddrinfo: temporary failure"))
            #expect(lines[2].hasPrefix("discord|1|") && lines[2].contains("|rateLimited|"))
            let dueIn = Int(lines[1].split(separator: "|")[3]) ?? -1
            #expect((10...30).contains(dueIn), "due in at most 30 s (less under load): \(lines[1])")

            try writer.execute("COMMIT")
            let after = try runProcess("/usr/bin/sqlite3", ["-readonly", path, "SELECT attempts FROM reconnect_queue WHERE name = 'telegram'"])
            #expect(after.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "99", "the committed write is visible at once")
        }
    }
}
