import Foundation
import GatewayStore
import Testing

/// The real binary: a clean stop (SIGTERM) checks the database and notes it beside the file (`<db>-verified`); the
/// next start skips its page-by-page check only while the file is those bytes. A file changed since — by an operator's
/// command, or damaged — is checked in full, and a damaged one is refused without a byte changed.
@Suite("Verified stop: the real binary", .serialized)
struct VerifiedStopProcessTests {
    /// Starts `gatewayd run`, waits until it has opened the database, stops it with SIGTERM; returns its log.
    private func runUntilOpened(config: String, db: String, in dir: URL) async throws -> String {
        let daemon = try GatewaydProcess(["run", "--config", config, "--db", db], in: dir)
        try await eventually("gatewayd opens the database") {
            if !daemon.process.isRunning { return true }
            return daemon.stderrSoFar.contains("configuration reconciled")
        }
        daemon.signal(SIGTERM)
        let result = await daemon.finish()
        #expect(result.status == 0, "\(result.stderr)")
        return result.stderr
    }

    @Test("stop notes, restart skips, an operator's write brings the check back, damage since the note is refused")
    func noteSkipAndRefuse() async throws {
        let scratch = try Scratch("verified")
        defer { scratch.remove() }
        let db = scratch.path("gateway.db")
        try await makeRealDatabase(at: db)
        let config = try scratch.write("gatewayd.yaml", busyConfig)
        let note = db + "-verified"

        let first = try await runUntilOpened(config: config, db: db, in: scratch.dir)
        #expect(first.contains("check=\"quick_check ok\""), "\(first)")
        #expect(first.contains("database checked at stop; the next start skips its check"), "\(first)")
        #expect(FileManager.default.fileExists(atPath: note))

        let second = try await runUntilOpened(config: config, db: db, in: scratch.dir)
        #expect(second.contains("check=\"skipped, unchanged since the last clean stop\""), "\(second)")

        // A write while no daemon runs: the file is no longer the bytes noted.
        #expect(try await GatewaydProcess.run(["pause", "a", "--db", db], in: scratch.dir).status == 0)
        let third = try await runUntilOpened(config: config, db: db, in: scratch.dir)
        #expect(third.contains("check=\"quick_check ok\""), "\(third)")
        #expect(FileManager.default.fileExists(atPath: note))

        // Pages damaged after the stop that wrote the note: the note does not vouch for them.
        try overwritePages(16..<20, of: db)
        let before = databaseBytes(db)
        let refused = try await GatewaydProcess.run(["run", "--config", config, "--db", db], in: scratch.dir)
        #expect(refused.status == 74, "\(refused.stderr)")
        #expect(refused.stderr.contains("error: \(db): ") && refused.stderr.contains("quick_check found damage"), "\(refused.stderr)")
        #expect(databaseBytes(db) == before, "the damaged file was changed")
    }
}
