import GatewayStore
import Synchronization
import Testing

@testable import GatewayDaemon

/// An inbound sink that keeps every handed-on message (and the cursors that came with it).
final class RecordingSink: InboundSink {
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

extension Harness {
    /// Waits until `name` is backing off after a failed attempt (a new platform is queued as backing_off, due now,
    /// before its first attempt: that state has no error yet).
    func waitForFailure(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await waitUntil("\(name) is backing off after a failure", sourceLocation: sourceLocation) {
            let row = try await store.platform(name)
            return row?.state == .backingOff && row?.lastErrorClass != nil
        }
    }
}
