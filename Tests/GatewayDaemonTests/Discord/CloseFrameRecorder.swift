import Logging
import Synchronization

/// The test gateway's log handler: reads the close code out of every close frame the server receives.
///
/// The WebSocket server does not hand close frames to its handler, but it traces each received frame as
/// `Received WebSocketFrame(WebSocketOpcode.connectionClose, …, bytes: [ 0f a0 ])`; the first two bytes are the close code. Every
/// other line is dropped.
struct CloseFrameRecorder: LogHandler {
    let record: @Sendable (Int) -> Void
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let text = "\(event.message)"
        guard text.hasPrefix("Received WebSocketFrame("), text.contains("connectionClose,"), let code = Self.closeCode(in: text) else { return }
        record(code)
    }

    /// The close code in a traced close frame, or nil when the frame carries none.
    static func closeCode(in text: String) -> Int? {
        guard let open = text.range(of: "bytes: [") else { return nil }
        let bytes = text[open.upperBound...].split(separator: " ").prefix(2).compactMap { UInt8($0, radix: 16) }
        guard bytes.count == 2 else { return nil }
        return Int(bytes[0]) << 8 | Int(bytes[1])
    }
}

/// The close codes the test gateway received from clients, in order.
final class CloseCodeLog: Sendable {
    private let codes = Mutex<[Int]>([])

    var all: [Int] { codes.withLock { $0 } }

    func append(_ code: Int) { codes.withLock { $0.append(code) } }
}
