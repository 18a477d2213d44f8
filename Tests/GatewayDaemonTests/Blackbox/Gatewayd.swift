import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// The built `gatewayd`, run as a user runs it: one command with arguments, standard input and environment; its
/// exit status and what it printed.
struct Gatewayd {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    let binary: URL
    let dir: URL

    init() throws {
        binary = try #require(builtGatewayd(), "build the gatewayd product first")
        dir = FileManager.default.temporaryDirectory.appending(path: "gatewayd-bb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    var db: String { dir.appending(path: "gateway.db").path }

    /// Writes a configuration file and returns its URL.
    func config(_ yaml: String, name: String = "gatewayd.yaml") throws -> URL {
        let url = dir.appending(path: name)
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// Runs `gatewayd arguments…` to its end (output through files: no pipe can fill up and block it). Awaits the
    /// exit without blocking a thread: the suite's other tests share the cooperative pool (two threads here).
    @discardableResult
    func callAsFunction(_ arguments: String..., stdin: String? = nil, environment: [String: String] = [:]) async throws -> Result {
        try await run(arguments, stdin: stdin, environment: environment)
    }

    func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) async throws -> Result {
        let id = UUID().uuidString
        let out = dir.appending(path: "out-\(id)"), err = dir.appending(path: "err-\(id)")
        for url in [out, err] { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        let input = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        let exited = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in exited.continuation.finish() }
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        }
        for await _ in exited.stream {}
        return Result(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    /// Starts a command that keeps running (`inbox --follow`, `status --watch`), its standard output in `output`.
    func start(_ arguments: [String], output: URL) throws -> Process {
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = dir
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Starts `gatewayd run` on this directory's database (or on `db`: a PostgreSQL URL), its log in a file.
    func daemon(
        _ config: URL, arguments: [String] = [], logLevel: String = "info", environment: [String: String] = [:],
        db: String? = nil
    ) throws -> DaemonProcess {
        try DaemonProcess(
            binary: binary, config: config, db: db ?? self.db, logLevel: logLevel, arguments: arguments,
            stderrFile: dir.appending(path: "daemon-\(UUID().uuidString).log"), environment: environment)
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }
}

/// One HTTP exchange with a daemon on loopback.
struct HTTPReply {
    let status: Int
    let body: String
    let headers: [String: String]
}

func http(
    _ method: HTTPMethod, _ url: String, body: String? = nil, headers: [String: String] = [:]
) async throws -> HTTPReply {
    var request = HTTPClientRequest(url: url)
    request.method = method
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    if let body {
        if headers["Content-Type"] == nil { request.headers.add(name: "Content-Type", value: "application/json") }
        request.body = .bytes(ByteBuffer(string: body))
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    let bytes = try await response.body.collect(upTo: 8 << 20)
    var fields: [String: String] = [:]
    for header in response.headers { fields[header.name.lowercased()] = header.value }
    return HTTPReply(status: Int(response.status.code), body: String(buffer: bytes), headers: fields)
}
