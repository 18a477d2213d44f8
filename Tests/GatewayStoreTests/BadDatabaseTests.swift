import Foundation
import Testing

@testable import GatewayStore

@Suite("Bad databases")
struct BadDatabaseTests {
    @Test("a file that is not a SQLite database: error names the file and cause; the file is intact")
    func notADatabase() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appending(path: "notes.db").path
            let content = Data(String(repeating: "these are my notes, not a database\n", count: 200).utf8)
            try content.write(to: URL(fileURLWithPath: path))
            let error = try #require(throws: SQLiteError.self) { try Store(path: path) }
            #expect(error.codeName.contains("not a database") || error.primaryCode == 26)
            #expect(error.description.contains(path) && error.description.contains("not a SQLite database"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == content)
        }
    }

    @Test("a read-only directory (or a path under a file, as root): a clear error, nothing created")
    func readOnlyDirectory() async throws {
        try await withTemporaryDirectory { dir in
            let locked = dir.appending(path: "locked")
            try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: locked.path)
            defer { _ = try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: locked.path) }
            let path = locked.appending(path: "g.db").path
            if getuid() == 0 {
                // root ignores directory permissions; a path under a regular file fails the same way for everyone.
                let file = dir.appending(path: "plainfile")
                try Data("x".utf8).write(to: file)
                let error = try #require(throws: SQLiteError.self) { try Store(path: file.appending(path: "g.db").path) }
                #expect(error.description.contains("plainfile/g.db") && error.description.contains("cannot create"))
                return
            }
            let error = try #require(throws: SQLiteError.self) { try Store(path: path) }
            #expect(error.description.contains(path) && error.description.contains("Permission denied"))
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test("a read-only database file: refused at open with a clear error, file intact")
    func readOnlyFile() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appending(path: "g.db").path
            do { _ = try Store(path: path) }
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: path)
            defer { _ = try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path) }
            guard getuid() != 0 else { return }  // root can write a 0400 file: nothing to refuse
            let error = try #require(throws: SQLiteError.self) { try Store(path: path) }
            #expect(error.description.contains(path) && error.description.contains("read-only"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        }
    }

    @Test("a database locked by another writer beyond the busy timeout: SQLITE_BUSY naming the file and cause")
    func lockedByAnotherWriter() async throws {
        var settings = StoreSettings()
        settings.connection.busyTimeoutMillis = 50
        try await withStore(settings: settings) { store, _, path in
            try await store.startup(configured: [PlatformSpec(name: "a", type: "irc")])
            let other = try Connection(path: path, options: .init(busyTimeoutMillis: 50))
            try other.execute("BEGIN IMMEDIATE")
            let error = try await #require(throws: SQLiteError.self) { try await store.pause("a", actor: .operator("t")) }
            #expect(error.primaryCode == 5)  // SQLITE_BUSY
            #expect(error.description.contains(path) && error.description.contains("another process holds the database lock"))
            try other.execute("ROLLBACK")
            #expect(try await store.pause("a", actor: .operator("t")).state == .paused, "nothing was lost; it works once the lock is gone")
        }
    }

    @Test("SQL errors carry the SQL but never the bound values")
    func errorsHideValues() async throws {
        try await withStore { store, _, path in
            let connection = try Connection(path: path, options: .init())
            let secret = "bot123456:SECRET-TOKEN"
            let error = try #require(throws: SQLiteError.self) {
                try connection.execute("INSERT INTO platforms (name, type, state, state_changed_at, created_at) VALUES (?, ?, 'nope', 0, 0)", [.text(secret), .text(secret)])
            }
            #expect(error.description.contains("INSERT INTO platforms"))
            #expect(!error.description.contains(secret))
            _ = store
        }
    }
}
