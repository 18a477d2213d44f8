import Foundation
import GatewayStore
import Testing

/// Broken database files given to the real `gatewayd` binary: `run`, `migrate` and `status` each exit with the
/// documented code (74) and one `error:` line naming the file and the cause, and leave every byte as it was.
/// (BadDatabaseTests covers the same files at the Store level; the lease held by a live daemon is ProcessTests'.)
@Suite("Bad databases: the real binary", .serialized)
struct BadEnvironmentDatabaseTests {
    /// How a file is damaged, and what the error must say.
    struct Damage: Sendable, CustomTestStringConvertible {
        let name: String
        /// Makes the broken file at the path (a real database is there already, unless `fromScratch`).
        let apply: @Sendable (String) throws -> Void
        var fromScratch = false
        /// Every one of these must be in the `error:` line of `run` and `migrate`.
        let says: [String]
        /// Whether `status` (which does not run the integrity check) must refuse it too.
        var statusRefuses = true
        var testDescription: String { name }
    }

    static let damages: [Damage] = [
        Damage(name: "not a SQLite file", apply: { path in
            try Data(String(repeating: "my notes, not a database\n", count: 300).utf8).write(to: URL(fileURLWithPath: path))
        }, fromScratch: true, says: ["file is not a database", "the file is not a SQLite database"]),
        Damage(name: "truncated to half its size", apply: { path in
            let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
            #expect(truncate(path, off_t(size / 2)) == 0)
        }, says: ["the database file is corrupted"]),
        Damage(name: "truncated inside the first page", apply: { path in
            #expect(truncate(path, 50) == 0)
        }, says: ["the database file is corrupted"]),
        Damage(name: "pages in the middle overwritten", apply: { path in
            // Whole pages of the outbox (page 17 on), past page 1 and the schema: only an integrity check finds this.
            try overwritePages(16..<20, of: path)
        }, says: ["quick_check found damage", "the database file is corrupted"], statusRefuses: false),
        Damage(name: "the header's magic string overwritten", apply: { path in
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.write(contentsOf: Data("Not SQLite at al".utf8))
        }, says: ["file is not a database", "the file is not a SQLite database"]),
        Damage(name: "the header's page size and counters overwritten", apply: { path in
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seek(toOffset: 16)
            try handle.write(contentsOf: Data(repeating: 0x7F, count: 16))
        }, says: ["the file is not a SQLite database"]),
        Damage(name: "a schema newer than this binary (user_version 99)", apply: { path in
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seek(toOffset: 60)  // PRAGMA user_version: 4 bytes, big-endian, at offset 60 of the header
            try handle.write(contentsOf: Data([0, 0, 0, 99]))
        }, says: ["schema version 99", "only knows up to version \(Store.schemaVersion)", "nothing was written"]),
    ]

    @Test("run, migrate and status: exit 74, the file and cause named, not one byte changed", arguments: damages)
    func damaged(_ damage: Damage) async throws {
        let scratch = try Scratch("baddb")
        defer { scratch.remove() }
        let db = scratch.path("gateway.db")
        if !damage.fromScratch { try await makeRealDatabase(at: db) }
        try damage.apply(db)
        let before = databaseBytes(db)
        let config = try scratch.write("gatewayd.yaml", busyConfig)

        for arguments in [["run", "--config", config, "--db", db], ["migrate", "--db", db]] {
            let result = try await GatewaydProcess.run(arguments, in: scratch.dir)
            #expect(result.status == 74, "\(arguments[0]): \(result.stderr)")
            let line = result.stderr.split(separator: "\n").first { $0.hasPrefix("error: ") }.map(String.init) ?? ""
            #expect(line.hasPrefix("error: \(db): "), "\(arguments[0]) names the file: \(result.stderr)")
            for phrase in damage.says { #expect(line.contains(phrase), "\(arguments[0]): \(line)") }
            #expect(databaseBytes(db) == before, "\(arguments[0]) changed the files")
        }
        let status = try await GatewaydProcess.run(["status", "--db", db], in: scratch.dir)
        if damage.statusRefuses {
            #expect(status.status == 74 && status.stderr.hasPrefix("error: \(db): "), "\(status.stderr)")
        }
        #expect(databaseBytes(db) == before, "status changed the files")
    }

    @Test("a read-only file (chattr +i, which binds root too): exit 74 naming the file, nothing changed",
          .enabled(if: Privileges.canMakeImmutable, "needs chattr +i (root on ext4/xfs/btrfs)"))
    func immutableFile() async throws {
        let scratch = try Scratch("immutable")
        defer { scratch.remove() }
        let db = scratch.path("gateway.db")
        try await makeRealDatabase(at: db)
        let config = try scratch.write("gatewayd.yaml", busyConfig)
        #expect(tool("/usr/bin/chattr", ["+i", db]) == 0)
        defer { tool("/usr/bin/chattr", ["-i", db]) }
        let before = try #require(databaseBytes(db)[db] ?? nil)
        for arguments in [["run", "--config", config, "--db", db], ["migrate", "--db", db], ["status", "--db", db]] {
            let result = try await GatewaydProcess.run(arguments, in: scratch.dir)
            #expect(result.status == 74, "\(arguments[0]): \(result.stderr)")
            #expect(result.stderr.hasPrefix("error: \(db): the database file is not writable"), "\(result.stderr)")
            #expect(result.stderr.contains("the database or its directory is read-only"))
        }
        #expect(FileManager.default.contents(atPath: db) == before)
    }

    @Test("a read-only directory (a tmpfs remounted ro, which binds root too): exit 74 naming the file and the read-only file system",
          .enabled(if: Privileges.canMount, "needs mount -t tmpfs (root with CAP_SYS_ADMIN)"))
    func readOnlyFileSystem() async throws {
        let scratch = try Scratch("rofs")
        defer { scratch.remove() }
        let mount = try TmpfsMount(at: scratch.dir.appending(path: "mnt"), size: "4m")
        defer { mount.unmount() }
        let db = mount.path("gateway.db")
        try await makeRealDatabase(at: db)
        try mount.remount(readOnly: true)
        let before = databaseBytes(db)
        let config = try scratch.write("gatewayd.yaml", busyConfig)

        for arguments in [["run", "--config", config, "--db", db], ["migrate", "--db", db], ["status", "--db", db]] {
            let result = try await GatewaydProcess.run(arguments, in: scratch.dir)
            #expect(result.status == 74, "\(arguments[0]): \(result.stderr)")
            #expect(result.stderr.hasPrefix("error: \(db): "), "\(result.stderr)")
            #expect(result.stderr.contains("\(mount.point.path) is on a read-only file system"), "\(arguments[0]): \(result.stderr)")
        }
        #expect(databaseBytes(db) == before)

        // A database that does not exist yet cannot be created there either; nothing is left behind.
        let fresh = mount.path("new.db")
        let result = try await GatewaydProcess.run(["run", "--config", config, "--db", fresh], in: scratch.dir)
        #expect(result.status == 74)
        #expect(result.stderr.hasPrefix("error: \(fresh): cannot create the database file: Read-only file system"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: mount.point.path) == ["gateway.db"])
    }

    @Test("a database path under a regular file (what fails for root without mount or chattr): exit 74, nothing created")
    func pathUnderAFile() async throws {
        let scratch = try Scratch("underfile")
        defer { scratch.remove() }
        let file = try scratch.write("plainfile", "x")
        let db = file + "/gateway.db"
        let config = try scratch.write("gatewayd.yaml", busyConfig)
        for arguments in [["run", "--config", config, "--db", db], ["migrate", "--db", db]] {
            let result = try await GatewaydProcess.run(arguments, in: scratch.dir)
            #expect(result.status == 74, "\(result.stderr)")
            #expect(result.stderr.hasPrefix("error: \(db): cannot create the database file: Not a directory"), "\(result.stderr)")
        }
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "x")
    }
}
