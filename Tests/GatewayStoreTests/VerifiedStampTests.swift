import Foundation
import Testing

@testable import GatewayStore

/// The note a clean stop leaves beside the database (`<db>-verified`): the next start skips `PRAGMA quick_check` only
/// for the very bytes that were checked, and never while a WAL holds changes.
@Suite("Verified stamp")
struct VerifiedStampTests {
    /// A closed database of 2,000 platforms and their events (a few hundred pages), noted as checked.
    private func stampedDatabase(in dir: URL) async throws -> String {
        let path = dir.appending(path: "g.db").path
        let store = try Store(path: path)
        try await store.startup(configured: (0..<2_000).map { PlatformSpec(name: "p\($0)", type: "simulated") })
        #expect(await store.stopVerified() == .noted, "a sound file closed by its only connection is noted")
        return path
    }

    @Test("a clean stop notes the file; the next check is skipped while the file is those bytes")
    func skippedWhileUnchanged() async throws {
        try await withTemporaryDirectory { dir in
            let path = try await stampedDatabase(in: dir)
            let note = try String(contentsOfFile: VerifiedStamp.path(for: path), encoding: .utf8)
            #expect(note.hasPrefix("gatewayd-verified 1 ") && note == VerifiedStamp.line(for: path))
            #expect(try Store.verify(path: path) == .unchangedSinceStop)
            #expect(!FileManager.default.fileExists(atPath: path + "-wal"), "a clean stop leaves no WAL")
        }
    }

    @Test("any write since the stop (another process, closed without a stop) brings the full check back")
    func changedFileIsChecked() async throws {
        try await withTemporaryDirectory { dir in
            let path = try await stampedDatabase(in: dir)
            do {
                let other = try Store(path: path)
                try await other.pause("p1", actor: .operator("test"))
                await other.close()
            }
            #expect(VerifiedStamp.line(for: path) != nil)
            #expect(try Store.verify(path: path) == .checked)
        }
    }

    @Test("a WAL with changes (a daemon killed, a writer still open) brings the full check back, the file itself unchanged")
    func walWithChangesIsChecked() async throws {
        try await withTemporaryDirectory { dir in
            let path = try await stampedDatabase(in: dir)
            let note = try String(contentsOfFile: VerifiedStamp.path(for: path), encoding: .utf8)
            let writer = try Store(path: path)
            try await writer.pause("p1", actor: .operator("test"))  // in the WAL only: the main file is still the stamped bytes
            #expect(VerifiedStamp.line(for: path) == note, "the main file is what was noted")
            #expect(try Store.verify(path: path) == .checked)
            #expect(VerifiedStamp.stamp(path) == .inUse, "no note while another connection holds changes in the WAL")
            await writer.close()
        }
    }

    @Test("damage since the stop is found by the full check, whatever the note says; the file is left as it is")
    func damageAfterTheStopIsRefused() async throws {
        try await withTemporaryDirectory { dir in
            let path = try await stampedDatabase(in: dir)
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            var generator = SystemRandomNumberGenerator()
            for page in 40..<44 {
                try handle.seek(toOffset: UInt64(page * 4_096))
                try handle.write(contentsOf: Data((0..<4_096).map { _ in UInt8.random(in: 0...255, using: &generator) }))
            }
            try handle.close()
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            let error = try #require(throws: SQLiteError.self) { try Store.verify(path: path) }
            #expect(error.description.contains(path) && error.description.contains("quick_check found damage"), "\(error)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        }
    }

    @Test("a damaged file is never noted at the stop, and an earlier note is removed")
    func damagedFileIsNotNoted() async throws {
        try await withTemporaryDirectory { dir in
            let path = try await stampedDatabase(in: dir)
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            try handle.seek(toOffset: UInt64(40 * 4_096))
            try handle.write(contentsOf: Data(repeating: 0xA5, count: 4 * 4_096))
            try handle.close()
            guard case .damaged(let finding) = VerifiedStamp.stamp(path) else {
                Issue.record("a damaged file was not reported as damaged")
                return
            }
            #expect(!finding.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: VerifiedStamp.path(for: path)))
        }
    }
}
