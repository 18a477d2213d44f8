import Foundation

/// A real `gatewayd run` process, killed and restarted the hard way.
///
/// Its standard error goes to a pipe that `finish()` reads, or — for a long run whose log would fill a pipe nobody
/// reads and so block the daemon — to a file.
final class DaemonProcess {
    let process = Process()
    private let stderrPipe: Pipe?
    private let stderrFile: URL?

    /// Starts `gatewayd run --config config --db db --log-level logLevel`; with `stderrFile`, its log is appended there.
    init(binary: URL, config: URL, db: String, logLevel: String = "debug", stderrFile: URL? = nil) throws {
        process.executableURL = binary
        process.arguments = ["run", "--config", config.path, "--db", db, "--log-level", logLevel]
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

    func kill(_ signal: Int32) { _ = Foundation.kill(pid, signal) }

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
