import Foundation
import GatewayPostgres
import Logging
import NIOPosix
import PostgresNIO
import Testing

/// A real PostgreSQL cluster of the tests' own (Debian's `postgresql`, installed by scripts/test): `initdb` in a
/// temporary directory, the server on a free loopback port with its socket in that directory. As root (CI), it runs as
/// the `postgres` user the package creates, since PostgreSQL refuses to run as root. A watcher beside the server stops
/// it once the test process is gone, however that process ends. `fsync` is off: the tests kill daemons, never the
/// machine.
final class PostgresServer: Sendable {
    let directory: URL
    let port: Int
    let user = "gw"
    private let process: Process

    static let binDirectory: String? = {
        let base = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).compactMap(Int.init).sorted()
        guard let version = versions.last else { return nil }
        let bin = "\(base)/\(version)/bin"
        return FileManager.default.isExecutableFile(atPath: "\(bin)/initdb") ? bin : nil
    }()
    static let missing = "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run scripts/test (it installs Debian's postgresql)"
    static var runsAsRoot: Bool { getuid() == 0 }

    init() async throws {
        guard let bin = Self.binDirectory else { throw PostgresServerError(Self.missing) }
        directory = URL(fileURLWithPath: NSTemporaryDirectory()).appending(path: "gatewayd-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if Self.runsAsRoot { try await Self.run("/bin/chown", ["postgres:postgres", directory.path]) }
        let data = directory.appending(path: "data").path
        try await Self.run(Self.asOwner("\(bin)/initdb"), Self.asOwnerArguments(["-D", data, "-A", "trust", "-U", "gw", "-E", "UTF8", "--no-sync"], "\(bin)/initdb"))
        var lastLog = ""
        for _ in 0..<5 {
            let port = try freeLoopbackPort()
            let log = directory.appending(path: "server-\(port).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            if Self.runsAsRoot { try await Self.run("/bin/chown", ["postgres:postgres", log.path]) }
            let script = """
                "$1/postgres" -D "$2" -p "$3" -k "$2" -c listen_addresses=127.0.0.1 -c fsync=off \
                    -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 >>"$5" 2>&1 & pg=$!
                while [ -d "/proc/$4" ] && kill -0 "$pg" 2>/dev/null; do sleep 1; done
                kill -INT "$pg" 2>/dev/null; wait "$pg"
                """
            let process = Process()
            let arguments = ["-c", script, "pg", bin, data, String(port), String(getpid()), log.path]
            if Self.runsAsRoot {
                process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
                process.arguments = ["-u", "postgres", "--", "/bin/sh"] + arguments
            } else {
                process.executableURL = URL(fileURLWithPath: "/bin/sh")
                process.arguments = arguments
            }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                lastLog = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                if lastLog.contains("ready to accept connections") {
                    self.port = port
                    self.process = process
                    return
                }
                if lastLog.contains("could not bind") || lastLog.contains("could not create") || !process.isRunning { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            process.terminate()
        }
        throw PostgresServerError("PostgreSQL did not start: \(lastLog.suffix(2_000))")
    }

    deinit { shutdown() }

    /// Stops the server (the watcher's loop ends when the server is gone) and removes its directory.
    func shutdown() {
        thaw()  // a stopped postmaster would not act on SIGQUIT
        if let pid = postmasterPID {
            kill(pid, SIGQUIT)
        }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Stops every process of the cluster (SIGSTOP): its connections stay open and nothing answers — a hung server,
    /// or a network that drops packets without closing anything. The postmaster first, so that no backend is forked
    /// after the others were found.
    func freeze() {
        guard let postmaster = postmasterPID else { return }
        kill(postmaster, SIGSTOP)
        for backend in Self.children(of: postmaster) { kill(backend, SIGSTOP) }
    }

    /// Lets a frozen cluster go on (SIGCONT; harmless on one that was not frozen).
    func thaw() {
        guard let postmaster = postmasterPID else { return }
        for backend in Self.children(of: postmaster) { kill(backend, SIGCONT) }
        kill(postmaster, SIGCONT)
    }

    private var postmasterPID: Int32? {
        (try? String(contentsOf: directory.appending(path: "data/postmaster.pid"), encoding: .utf8))?
            .split(separator: "\n").first.flatMap { Int32($0) }
    }

    /// The processes whose parent is `parent` (/proc/PID/stat: the parent is the second field after the command's
    /// closing parenthesis).
    private static func children(of parent: Int32) -> [Int32] {
        let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
        return pids.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == parent
        }
    }

    /// A new, empty database of this cluster, for one test.
    func createDatabase() async throws -> PostgresLocation {
        let name = "gw_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        let client = PostgresClient(
            configuration: .init(host: "127.0.0.1", port: port, username: user, password: nil, database: "postgres", tls: .disable),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        let task = Task { await client.run() }
        defer { task.cancel() }
        try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        return PostgresLocation(host: "127.0.0.1", port: port, user: user, database: name, tls: .disable)
    }

    private static func asOwner(_ tool: String) -> String { runsAsRoot ? "/usr/sbin/runuser" : tool }
    private static func asOwnerArguments(_ arguments: [String], _ tool: String) -> [String] {
        runsAsRoot ? ["-u", "postgres", "--", tool] + arguments : arguments
    }

    /// Runs a tool to its end and returns what it printed; throws naming it when it fails. Awaits the exit without
    /// blocking a thread: the tests share the cooperative pool (two threads here), and initdb takes a second or more.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) async throws -> String {
        let output = FileManager.default.temporaryDirectory.appending(path: "pg-tool-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        let exited = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in exited.continuation.finish() }
        try process.run()
        try? handle.close()
        for await _ in exited.stream {}
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            throw PostgresServerError("\(tool) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(text.suffix(2_000))")
        }
        return text
    }
}

struct PostgresServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One cluster per test process (each test makes its own database in it): ~1 s of initdb paid once.
actor SharedPostgres {
    static let instance = SharedPostgres()
    /// The one start, shared by every caller (an actor is re-entered at each await: a stored server alone would let
    /// concurrent first callers start a cluster each).
    private var starting: Task<PostgresServer, any Error>?

    func get() async throws -> PostgresServer {
        if let starting { return try await starting.value }
        let task = Task { try await PostgresServer() }
        starting = task
        return try await task.value
    }

    /// A fresh database in the shared cluster.
    static func database() async throws -> PostgresLocation {
        try await instance.get().createDatabase()
    }
}
