import Foundation
import GatewayCore

/// A note beside the database, `<file>-verified`, that the file's exact bytes passed `PRAGMA quick_check`: the daemon
/// writes it when it stops cleanly, and the next start skips the check when the file is still those bytes.
///
/// Why: the check reads every page before the first write (a damaged file is refused, not written into), half a second
/// at 100,000 platforms; the note costs a SHA-256 of the file instead (~30 ms there). It vouches for content, not for a
/// moment — quick_check's answer depends on nothing but the bytes — so any change to the file since (an operator's
/// command, a restore, a damaged disk) changes the digest and the full check runs. A `-wal` with content (a daemon
/// killed, a writer still open) makes the check run too. Deleting the note is always safe; it holds no data.
///
/// The note is one line: `gatewayd-verified 1 <size> <sha256>`.
enum VerifiedStamp {
    static func path(for database: String) -> String { database + "-verified" }

    /// Whether the note vouches for the file at `database` as it is now (and no WAL holds changes beyond it).
    static func vouches(for database: String) -> Bool {
        guard let note = try? String(contentsOfFile: path(for: database), encoding: .utf8),
              walIsEmpty(database), let now = line(for: database) else { return false }
        return note == now
    }

    /// Checks the closed database at `database` on a connection of its own and, when the file is sound and nothing
    /// changed it meanwhile, writes the note (mode 0600, atomically); any earlier note is removed first. Call after
    /// the last connection of this process closed (the WAL is checkpointed then).
    @discardableResult
    static func stamp(_ database: String) -> StopCheck {
        let note = path(for: database)
        unlink(note)
        guard walIsEmpty(database) else { return .inUse }
        guard let before = line(for: database) else { return .failed("cannot read \(database)") }
        do {
            let connection = try Connection(path: database, options: ConnectionOptions(create: false))
            defer { connection.closeHandle() }
            let found = try connection.rows("PRAGMA quick_check(1)") { $0.string(0) }
            guard found == ["ok"] else { return .damaged(found.first ?? "no answer") }
        } catch {
            return .failed("\(error)")
        }
        guard walIsEmpty(database), line(for: database) == before else { return .inUse }
        return save(before, to: note) ? .noted : .failed("cannot write \(note)")
    }

    /// The note's line for the file as it is now; nil when it cannot be read.
    static func line(for database: String) -> String? {
        let fd = open(database, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var digest = Hashing.SHA256Digest()
        var size = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer.baseAddress, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { break }
            digest.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            size += count
        }
        return "gatewayd-verified 1 \(size) \(digest.hex())\n"
    }

    /// No `-wal` beside the file, or an empty one (SQLite truncates or removes it after a full checkpoint).
    private static func walIsEmpty(_ database: String) -> Bool {
        var info = stat()
        guard stat(database + "-wal", &info) == 0 else { return errno == ENOENT }
        return info.st_size == 0
    }

    private static func save(_ line: String, to note: String) -> Bool {
        let temporary = note + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        let bytes = Array(line.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count, rename(temporary, note) == 0 else {
            unlink(temporary)
            return false
        }
        return true
    }
}

/// What the check at a clean stop found (``Store/stopVerified()``, ``VerifiedStamp``).
public enum StopCheck: Sendable, Equatable {
    /// The file is sound and the note says so: the next start skips its check.
    case noted
    /// No note: a `-wal` with changes (another process has the database open), or the file changed during the check.
    case inUse
    /// No note: the check found damage (its first finding); the next start refuses the file.
    case damaged(String)
    /// No note: the file could not be read or checked, or the note not written (the reason).
    case failed(String)
}
