import Foundation
import GatewayCore
import GatewayRuntime
import GatewayDaemon
import GatewayStore
import Testing

/// One finished `gatewayd` invocation.
struct GatewaydResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs the real `gatewayd` binary as a process, its output in files (no pipe can fill up and stall it).
final class GatewaydProcess {
    let process = Process()
    private let outURL: URL
    private let errURL: URL

    /// Starts `gatewayd <arguments>` in `dir`; `environment` is added to this process's own.
    init(_ arguments: [String], in dir: URL, environment: [String: String] = [:]) throws {
        let binary = try #require(builtGatewayd(), "build the gatewayd product first")
        let id = UUID().uuidString
        outURL = dir.appending(path: "out-\(id).txt")
        errURL = dir.appending(path: "err-\(id).txt")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = dir
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var stderrSoFar: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }

    func signal(_ signal: Int32) { _ = kill(pid, signal) }

    /// Waits (real time, bounded) for the exit. A process still running at the deadline is killed and recorded as an
    /// issue: a daemon that should have exited and did not is a failure, not a hang of the suite.
    func finish(within timeout: Duration = .seconds(60)) async -> GatewaydResult {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            Issue.record("gatewayd \(process.arguments ?? []) still running after \(timeout); killed")
            signal(SIGKILL)
            process.waitUntilExit()
        }
        process.waitUntilExit()
        return GatewaydResult(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: stderrSoFar)
    }

    /// Runs `gatewayd <arguments>` to the end.
    static func run(_ arguments: [String], in dir: URL, environment: [String: String] = [:]) async throws -> GatewaydResult {
        try await GatewaydProcess(arguments, in: dir, environment: environment).finish()
    }
}

/// A scratch directory for one test, removed at the end.
struct Scratch {
    let dir: URL

    init(_ name: String) throws {
        dir = FileManager.default.temporaryDirectory.appending(path: "gatewayd-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { dir.appending(path: name).path }

    func write(_ name: String, _ text: String) throws -> String {
        let path = path(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }
}

/// The bytes of a database and its `-wal`/`-shm` files (absent ones as nil), to prove nothing was touched.
func databaseBytes(_ path: String) -> [String: Data?] {
    var files: [String: Data?] = [:]
    for file in [path, path + "-wal", path + "-shm", path + "-journal"] {
        files[file] = FileManager.default.contents(atPath: file)
    }
    return files
}

/// Overwrites whole 4 KiB pages of the file at `path` with random bytes: damage past page 1 and the schema, which only
/// an integrity check finds (pages 16 on are the outbox of ``makeRealDatabase(at:messages:)``).
func overwritePages(_ pages: Range<Int>, of path: String) throws {
    let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    var generator = SystemRandomNumberGenerator()
    for page in pages {
        try handle.seek(toOffset: UInt64(page * 4_096))
        try handle.write(contentsOf: Data((0..<4_096).map { _ in UInt8.random(in: 0...255, using: &generator) }))
    }
}

/// A real, populated gatewayd database at `path`, closed (checkpointed, no `-wal` left): three platforms in
/// different states, their events, and `messages` queued outbox messages.
func makeRealDatabase(at path: String, messages: Int = 50) async throws {
    let store = try Store(path: path)
    try await store.startup(configured: ["a", "b", "c"].map { PlatformSpec(name: $0, type: "simulated") })
    for index in 0..<messages {
        _ = try await DeliveryRouter.enqueue(
            store: store, kinds: PlatformKinds.all, platform: ["a", "b", "c"][index % 3], target: "#chan",
            text: "message \(index) " + String(repeating: "x", count: 200), expiresAt: nil, idempotencyKey: nil)
    }
}

/// A configuration of simulated platforms that write to the store all the time (they fail every 200 ms).
let busyConfig = """
    reconnect: { base: 200ms, factor: 1, cap: 200ms, jitter: 0, connect_timeout: 5s }
    when_all_failed: stay
    platforms:
      a: { type: simulated, script: "fail network" }
      b: { type: simulated, script: "fail server" }
      c: { type: simulated, script: "fail network" }
    """

/// Real-time bounded poll: `condition` must come true before the deadline.
func eventually(_ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
    // A condition that throws (the file is mid-change) counts as not yet.
    try await waitUntil(what, timeout: timeout, every: .milliseconds(50)) { (try? await condition()) == true }
}

/// Runs a shell tool; returns its exit status.
@discardableResult
func tool(_ path: String, _ arguments: [String]) -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return -1 }
    process.waitUntilExit()
    return process.terminationStatus
}

/// What this machine allows: the tests that need root powers say so by their `.enabled(if:)` trait, so a run without
/// them shows them as skipped rather than passing them silently.
enum Privileges {
    /// `mount -t tmpfs` works (root with CAP_SYS_ADMIN, as in this project's container).
    static let canMount: Bool = {
        let probe = FileManager.default.temporaryDirectory.appending(path: "gatewayd-mount-probe-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: probe) }
        guard tool("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe.path]) == 0 else { return false }
        return tool("/bin/umount", [probe.path]) == 0
    }()

    /// `chattr +i` works on the temporary directory's file system (needs root and ext2/3/4, xfs, btrfs…).
    static let canMakeImmutable: Bool = {
        let probe = FileManager.default.temporaryDirectory.appending(path: "gatewayd-chattr-probe-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: probe, contents: Data("x".utf8))
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard tool("/usr/bin/chattr", ["+i", probe]) == 0 else { return false }
        let fd = open(probe, O_WRONLY)
        if fd >= 0 { close(fd) }
        let denied = fd < 0
        tool("/usr/bin/chattr", ["-i", probe])
        return denied
    }()
}

/// A small tmpfs mounted for one test, unmounted (and its mount point removed) by `unmount()`.
struct TmpfsMount {
    let point: URL

    init(at point: URL, size: String) throws {
        try FileManager.default.createDirectory(at: point, withIntermediateDirectories: true)
        guard tool("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size),mode=0700", "tmpfs", point.path]) == 0 else {
            throw CocoaError(.fileWriteNoPermission)
        }
        self.point = point
    }

    func path(_ name: String) -> String { point.appending(path: name).path }

    func remount(readOnly: Bool) throws {
        guard tool("/bin/mount", ["-o", readOnly ? "remount,ro" : "remount,rw", point.path]) == 0 else {
            throw CocoaError(.fileWriteNoPermission)
        }
    }

    func unmount() {
        tool("/bin/umount", [point.path])
        try? FileManager.default.removeItem(at: point)
    }

    /// Writes a file until the file system is full; returns the bytes written.
    @discardableResult
    func fill(_ name: String) -> Int {
        let fd = open(path(name), O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0xAB, count: 4_096)
        var total = 0
        while true {
            let written = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written <= 0 { break }
            total += written
        }
        return total
    }
}
