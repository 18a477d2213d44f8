import GatewayStore
import Synchronization

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime

/// An inbound sink that records every message handed to it and stores them with their cursors as the daemon's own sink does
/// (through a store it opens on the gateway's database file on first use).
final class RecordingSink: InboundSink {
    private let path: String
    private let clock: any GatewayClock
    private let state = Mutex<(messages: [InboundMessage], store: Store?)>(([], nil))

    init(path: String, clock: any GatewayClock) {
        self.path = path
        self.clock = clock
    }

    var messages: [InboundMessage] { state.withLock { $0.messages } }

    func handOff(platform: String, messages: [InboundMessage], cursors: [String: String]) async throws {
        let store = try state.withLock { state -> Store in
            if let store = state.store { return store }
            let opened = try Store(path: path, clock: clock)
            state.store = opened
            return opened
        }
        try await InboxSink(store: store).handOff(platform: platform, messages: messages, cursors: cursors)
        state.withLock { $0.messages += messages }
    }
}
