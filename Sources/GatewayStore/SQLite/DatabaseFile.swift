import Foundation

/// Facts about the database file on disk that SQLite does not report: which inode the connection opened (so a file
/// deleted or replaced under a running daemon is noticed) and why a directory cannot take the WAL files.
struct DatabaseFile: Sendable, Equatable {
    /// `st_dev` and `st_ino` of the file at `path` when it was opened.
    let device: UInt64
    let inode: UInt64

    /// The identity of whatever is at `path` now; nil when nothing is (or it cannot be stat'ed).
    static func identity(of path: String) -> DatabaseFile? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return DatabaseFile(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Why the file at `path` is no longer the one opened, or nil when it still is.
    func problem(at path: String) -> String? {
        guard let now = Self.identity(of: path) else {
            return "the database file was deleted while gatewayd had it open"
        }
        guard now == self else {
            return "the database file was replaced while gatewayd had it open (inode \(inode) is now \(now.inode))"
        }
        return nil
    }

    /// The `-wal` and `-shm` files beside `path` that exist now, with their identities.
    static func sidecars(of path: String) -> [String: DatabaseFile] {
        var found: [String: DatabaseFile] = [:]
        for name in [path + "-wal", path + "-shm"] { found[name] = identity(of: name) }
        return found
    }

    /// Removes those of `sidecars` still at their paths as the same files. For a database that was deleted or
    /// replaced while open: SQLite then skips its checkpoint on close and leaves the WAL behind (`databaseIsUnmoved`),
    /// and the next process to open the file now at the path would replay that stale WAL into it.
    static func removeStale(_ sidecars: [String: DatabaseFile]) {
        for (name, identity) in sidecars where Self.identity(of: name) == identity { unlink(name) }
    }

    /// A plain-language reason the directory of `path` cannot hold the database and its `-wal`/`-shm` files, when
    /// there is one: a read-only file system, or a directory this process may not write to.
    static func directoryProblem(for path: String) -> String? {
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        var info = statvfs()
        if statvfs(directory, &info) == 0, info.f_flag & UInt(ST_RDONLY) != 0 {
            return "\(directory) is on a read-only file system (WAL mode needs to create the -wal and -shm files beside the database)"
        }
        if access(directory, W_OK) != 0, errno != ENOENT {
            return "\(directory) is not writable by this user (WAL mode needs to create the -wal and -shm files beside the database)"
        }
        return nil
    }
}
