import GatewayStore
import Testing

@testable import GatewayDaemon

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

/// Waits (real time, bounded) for background tasks; the schedule itself runs on the manual clock.
func waitUntil(
    _ what: String, timeout: Duration = .seconds(20), sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(2))
    }
    Issue.record("timed out waiting until \(what)", sourceLocation: sourceLocation)
    throw HarnessTimeout()
}
