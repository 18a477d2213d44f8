import Testing

/// Waits (real time, bounded) until `condition` holds: for background tasks, other processes and local servers. Not a
/// timing assertion — schedules run on the manual clock; the timeout only bounds a test that would otherwise hang.
/// Records an issue naming `what` and throws `HarnessTimeout` when the time is up.
func waitUntil(
    _ what: String, timeout: Duration = .seconds(60), every interval: Duration = .milliseconds(5),
    sourceLocation: SourceLocation = #_sourceLocation, _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: interval)
    }
    Issue.record("timed out waiting until \(what)", sourceLocation: sourceLocation)
    throw HarnessTimeout()
}

/// Thrown when a bounded wait runs out.
struct HarnessTimeout: Error {}
