import GatewayNetworking
import GatewayCore
import Foundation
import Logging
import Synchronization
import WSClient

/// One gateway WebSocket, run by swift-websocket's `WebSocketClient` in a task of its own: text frames come out of
/// ``events``, ``send(_:)`` writes, ``close(code:reason:)`` ends it.
///
/// The client's handler only moves frames; the Discord protocol lives in `DiscordAdapter`. When the connection
/// ends, ``events`` yields one `.closed` (with the peer's close code, if any) or `.failed`, then finishes.
package final class GatewaySocket: Sendable {
    package enum Event: Sendable, Equatable {
        case text(String)
        /// The WebSocket closed; `code` is the close frame's code (nil when there was none).
        case closed(code: Int?, reason: String?)
        /// The connection could not be opened or broke; the text is not redacted yet.
        case failed(String)
    }

    /// Largest message accepted: GUILD_CREATE for a big guild runs to megabytes.
    static let maxMessageBytes = 1 << 23
    /// How long a close handshake may take before the connection is simply dropped.
    static let closeGrace: Duration = .seconds(2)
    /// The close code gatewayd sends: anything but 1000/1001 keeps the session resumable.
    static let resumableCloseCode: UInt16 = 4000

    let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let writer = Mutex<WebSocketOutboundWriter?>(nil)
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let url: String
    private let logger: Logger

    /// - Parameters:
    ///   - url: the full `ws(s)://…/?v=10&encoding=json` URL.
    ///   - logger: the library gets it at `info` or above only: its trace lines dump frame bytes, and IDENTIFY holds
    ///     the token.
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
                    // Leaving the handler makes the client send 1000 — which would end the session — unless a close
                    // was already sent. Make sure it was.
                    try? await outbound.close(.unknown(Self.resumableCloseCode), reason: nil)
                }
                let code = closeFrame.map { Int(UInt16(webSocketErrorCode: $0.closeCode)) }
                continuation.yield(.closed(code: code, reason: closeFrame?.reason))
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

    /// Sends one text frame. Throws when the socket is not open.
    func send(_ text: String) async throws {
        guard let outbound = writer.withLock({ $0 }) else { throw GatewaySocketError.notOpen }
        try await outbound.write(.text(text))
    }

    /// Sends a close frame with `code`, waits up to ``closeGrace`` for the peer to finish the handshake, then drops
    /// the connection. Safe to call more than once and before the socket opened.
    ///
    /// Runs in a task of its own: a cancelled caller (daemon shutdown) must still send the resumable close code —
    /// a cancelled write would fail, and the client library would then close with 1000, ending the session.
    func close(code: UInt16 = GatewaySocket.resumableCloseCode, reason: String? = nil) async {
        await Task { await closeUncancelled(code: code, reason: reason) }.value
    }

    private func closeUncancelled(code: UInt16, reason: String?) async {
        if let outbound = writer.withLock({ $0 }) {
            try? await outbound.close(.unknown(code), reason: reason)
        }
        guard let running = task.withLock({ $0 }) else {
            continuation.finish()
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await running.value }
            group.addTask { try? await Task.sleep(for: Self.closeGrace) }
            await group.next()
            running.cancel()
            group.cancelAll()
        }
    }
}

/// A write on a gateway socket that is not (or no longer) open.
enum GatewaySocketError: Error, CustomStringConvertible {
    case notOpen

    var description: String { "the gateway socket is not open" }
}
