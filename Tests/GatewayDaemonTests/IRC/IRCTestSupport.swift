import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime

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

