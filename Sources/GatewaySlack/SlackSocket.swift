import GatewayCore
import GatewayNetworking
import Logging
import Synchronization
import WSClient

/// One Socket Mode WebSocket, run by swift-websocket's `WebSocketClient` in a task of its own: text frames come out
/// of ``events``, ``send(_:)`` writes, ``close()`` ends it.
///
/// It only moves frames; the Socket Mode protocol lives in `SlackAdapter`. When the connection ends, ``events``
/// yields one `.closed` or `.failed`, then finishes.
final class SlackSocket: Sendable {
    enum Event: Sendable, Equatable {
        case text(String)
        /// The WebSocket closed (with or without a close frame).
        case closed(code: Int?)
        /// The connection could not be opened or broke; the text is not redacted yet.
        case failed(String)
        /// Nothing (no `hello`) arrived within the bound the adapter set.
        case timedOut
    }

    static let maxMessageBytes = 1 << 22
    static let closeGrace: Duration = .seconds(2)

    let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let writer = Mutex<WebSocketOutboundWriter?>(nil)
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let url: String
    private let logger: Logger

    /// - Parameters:
    ///   - url: the `wss://` URL `apps.connections.open` returned (single use, holds a ticket: never logged).
    ///   - logger: the library gets it at `info` or above only (its trace lines dump frames and the URL).
    init(url: String, logger: Logger) {
        self.url = url
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .info)
        self.logger = quiet
        (events, continuation) = AsyncStream.makeStream(of: Event.self)
    }

    /// Starts connecting; frames (or the failure) arrive in ``events``.
    func start() {
        let configuration = WebSocketClientConfiguration(
            maxFrameSize: Self.maxMessageBytes, closeTimeout: Self.closeGrace, validateUTF8: true)
        let started = Task { [self] in
            let continuation = self.continuation
            do {
                let closeFrame = try await WebSocketClient.connect(url: self.url, configuration: configuration, logger: self.logger) {
                    inbound, outbound, _ in
                    self.writer.withLock { $0 = outbound }
                    do {
                        for try await message in inbound.messages(maxSize: Self.maxMessageBytes) {
                            if case .text(let text) = message { continuation.yield(.text(text)) }
                        }
                    } catch {
                        continuation.yield(.failed("\(error)"))
                    }
                }
                continuation.yield(.closed(code: closeFrame.map { Int(UInt16(webSocketErrorCode: $0.closeCode)) }))
            } catch {
                let (host, port) = TransportFailure.endpoint(of: self.url)
                continuation.yield(.failed(
                    Task.isCancelled ? "the connection was closed" : TransportFailure(error, host: host, port: port).description))
            }
            self.writer.withLock { $0 = nil }
            continuation.finish()
        }
        task.withLock { $0 = started }
    }

    /// Ends waiting for the next frame with `.timedOut` (the adapter's bound on `hello`).
    func timeOut() { continuation.yield(.timedOut) }

    /// Sends one text frame. Throws when the socket is not open.
    func send(_ text: String) async throws {
        guard let outbound = writer.withLock({ $0 }) else { throw SlackSocketError.notOpen }
        try await outbound.write(.text(text))
    }

    /// Sends a close frame, waits up to ``closeGrace`` for the handshake, then drops the connection. Safe to call
    /// more than once and before the socket opened. Runs uncancelled, so a daemon shutdown still closes cleanly.
    func close() async {
        await Task { await closeUncancelled() }.value
    }

    /// The close frame and the end of the connection's task, within the grace and not a moment longer: neither is
    /// awaited past it. (A task group here awaited the close frame without a bound, and the connection's task again
    /// after cancelling it: a client stuck in its upgrade — seen in tests when a server closed right behind its first
    /// frame — would have held the caller, a connect whose hello bound had just fired, for ever.)
    private func closeUncancelled() async {
        let outbound = writer.withLock { $0 }
        let running = task.withLock { $0 }
        let clock = SystemGatewayClock()
        let grace = Int64(Self.closeGrace.components.seconds * 1_000)
        _ = await withDeadline(clock.nowMillis() + grace, clock: clock) {
            if let outbound { try? await outbound.close(.normalClosure, reason: nil) }
            await running?.value
        }
        running?.cancel()
        continuation.finish()
    }
}

/// A write on a socket that is not (or no longer) open.
enum SlackSocketError: Error, CustomStringConvertible {
    case notOpen

    var description: String { "the Socket Mode socket is not open" }
}
