import Foundation
import Logging
import Synchronization

/// A log handler that keeps every line in memory, for asserting on logs (and that no secret reaches them).
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    /// A logger whose output, message and metadata, lands here.
    func logger(label: String = "test", level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: label) { _ in Handler(capture: self) }
        logger.logLevel = level
        return logger
    }

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    fileprivate func append(_ line: String) { lines.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            capture.append("\(event.level) \(event.message) \(fields)")
        }
    }
}

/// Whether `secret` appears anywhere in the database file or its WAL/SHM companions (raw bytes).
func databaseFilesContain(_ secret: String, path: String) throws -> Bool {
    let needle = Data(secret.utf8)
    for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
        if try Data(contentsOf: URL(fileURLWithPath: file)).range(of: needle) != nil { return true }
    }
    return false
}
