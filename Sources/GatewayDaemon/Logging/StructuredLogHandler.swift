import GatewayCore
import GatewayRuntime
import GatewayNetworking
import Foundation
import GatewayStore
import Logging
import Synchronization

/// swift-log handler writing one line per record to standard error, as logfmt (default) or JSON.
///
/// Messages are constant; data is in metadata with dot keys (`platform.name`, `reconnect.attempt`). Every value goes
/// through the redactor before it is written, so a secret that slipped into metadata is still never printed.
public struct StructuredLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let format: LogConfig.Format
    private let redactor: Redactor
    private let output: LogOutput

    public init(label: String, format: LogConfig.Format, level: Logger.Level, redactor: Redactor, output: LogOutput = .standardError) {
        self.label = label
        self.format = format
        logLevel = level
        self.redactor = redactor
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = merged.sorted { $0.key < $1.key }.map { ($0.key, redactor.scrub(Self.flatten($0.value))) }
        let time = UTCTime.iso8601(millis: SystemWallClock().nowMillis())
        let message = redactor.scrub(event.message.description)
        let line: String
        switch format {
        case .logfmt:
            line = ([("ts", time), ("level", event.level.rawValue), ("msg", message)] + fields)
                .map { "\($0.0)=\(LogFormat.logfmtValue($0.1))" }.joined(separator: " ")
        case .json:
            line = "{" + ([("ts", time), ("level", event.level.rawValue), ("msg", message), ("logger", label)] + fields)
                .map { "\(LogFormat.jsonString($0.0)):\(LogFormat.jsonString($0.1))" }.joined(separator: ",") + "}"
        }
        output.write(line)
    }

    static func flatten(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let items): items.map(flatten).joined(separator: ",")
        case .dictionary(let dictionary): dictionary.sorted { $0.key < $1.key }.map { "\($0.key):\(flatten($0.value))" }.joined(separator: ",")
        }
    }
}

/// Where log lines go: standard error, or memory (tests).
public final class LogOutput: Sendable {
    private let lines = Mutex<[String]>([])
    private let capturing: Bool

    private init(capturing: Bool) { self.capturing = capturing }

    public static let standardError = LogOutput(capturing: false)

    /// Keeps the lines in memory instead of printing them.
    public static func memory() -> LogOutput { LogOutput(capturing: true) }

    public var captured: [String] { lines.withLock { $0 } }

    func write(_ line: String) {
        if capturing {
            lines.withLock { $0.append(line) }
        } else {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }
}

/// Escaping for the two line formats.
enum LogFormat {
    /// A logfmt value: bare when it is a plain token, else quoted with `"` and `\` escaped and control characters
    /// written as escapes, so one record is always one line.
    static func logfmtValue(_ value: String) -> String {
        let plain = !value.isEmpty && value.unicodeScalars.allSatisfy {
            $0.value > 0x20 && $0 != "\"" && $0 != "=" && $0 != "\\" && $0.value != 0x7F
        }
        return plain ? value : jsonString(value)
    }

    /// A JSON string literal.
    static func jsonString(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
