import Synchronization

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime

/// An inbound sink that keeps every handed-on message (and the cursors that came with it) in memory only.
final class CollectingSink: InboundSink {
    private let state = Mutex<(messages: [InboundMessage], cursors: [[String: String]])>(([], []))

    var messages: [InboundMessage] { state.withLock { $0.messages } }
    var cursors: [[String: String]] { state.withLock { $0.cursors } }

    func handOff(platform: String, messages: [InboundMessage], cursors: [String: String]) async throws {
        state.withLock {
            $0.messages += messages
            $0.cursors.append(cursors)
        }
    }
}
