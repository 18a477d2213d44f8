import Foundation
import Testing

/// A real `gatewayd run` process, killed and restarted the hard way.
///
/// Its standard error goes to a pipe that `finish()` reads, or — for a long run whose log would fill a pipe nobody
/// reads and so block the daemon — to a file.
final class DaemonProcess {
    let process = Process()
    private let stderrPipe: Pipe?
    private let stderrFile: URL?

    /// Starts `gatewayd run --config config --db db --log-level logLevel` and `arguments`; with `stderrFile`, its
    /// log is appended there.
    /// `environment` is added to this process's own.
    init(
        binary: URL, config: URL, db: String, logLevel: String = "debug", arguments: [String] = [], stderrFile: URL? = nil,
        environment: [String: String] = [:]
    ) throws {
        process.executableURL = binary
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        process.arguments = ["run", "--config", config.path, "--db", db, "--log-level", logLevel] + arguments
        process.standardOutput = FileHandle.nullDevice
        if let stderrFile {
            if !FileManager.default.fileExists(atPath: stderrFile.path) {
                _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
            }
            let handle = try FileHandle(forWritingTo: stderrFile)
            try handle.seekToEnd()
            process.standardError = handle
            stderrPipe = nil
        } else {
            let pipe = Pipe()
            process.standardError = pipe
            stderrPipe = pipe
        }
        self.stderrFile = stderrFile
        try process.run()
        if let handle = process.standardError as? FileHandle { try? handle.close() }  // the child has its own copy
    }

    var pid: Int32 { process.processIdentifier }

    /// The log so far (with `stderrFile` only).
    var log: String { stderrFile.flatMap { try? String(contentsOf: $0, encoding: .utf8) } ?? "" }

    /// The port the HTTP face listens on, from its "http face listening" log line (with `stderrFile`, started with
    /// `--http 127.0.0.1:0`).
    func httpPort(timeout: Duration = .seconds(20)) async throws -> Int {
        var port: Int?
        try await waitUntil("gatewayd logs its HTTP port", timeout: timeout, every: .milliseconds(20)) {
            let text = log
            if let range = text.range(of: "http.port=") {
                port = Int(text[range.upperBound...].prefix { $0.isNumber })
                return port != nil
            }
            if !process.isRunning {
                Issue.record("gatewayd exited before it listened: \(text.suffix(2_000))")
                throw HarnessTimeout()
            }
            return false
        }
        return port ?? 0
    }

    func kill(_ signal: Int32) { _ = Foundation.kill(pid, signal) }

    /// Awaits the exit without blocking a thread of the cooperative pool (other tests run beside this one), then
    /// returns what ``finish()`` does.
    func finished() async -> (status: Int32, stderr: String) {
        nonisolated(unsafe) let waiting = self  // used by that thread alone until it resumes us
        return await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: waiting.finish()) }.start()
        }
    }

    /// Waits for the exit; returns the status and what it printed on stderr (the whole file, with `stderrFile`).
    func finish() -> (status: Int32, stderr: String) {
        var text = ""
        if let stderrPipe {
            text = String(decoding: stderrPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
        process.waitUntilExit()
        if let stderrFile { text = (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }
        return (process.terminationStatus, text)
    }
}
