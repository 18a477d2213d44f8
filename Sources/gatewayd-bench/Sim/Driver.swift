import GatewayCore
import GatewayRuntime
import Foundation

/// Moves virtual time for one subject: waits (real time) until every flow of the subject is asleep on the clock,
/// then jumps the clock to the earliest deadline — a discrete-event simulation whose events are the subject's own
/// sleeps. Nothing runs faster or slower than its schedule says; only the waiting in between is skipped.
@MainActor
struct Driver {
    let clock: VirtualClock
    let subject: any Subject
    /// Real time one settle may take before the run is declared stuck.
    var settleTimeout: Duration = .seconds(60)

    struct Stuck: Error, CustomStringConvertible {
        let description: String
    }

    /// Waits until the subject is quiescent: cheap yields first, then short real sleeps.
    func settle() async throws {
        var spins = 0
        let start = ContinuousClock.now
        while !(await subject.isQuiescent()) {
            spins += 1
            if spins < 50 {
                await Task.yield()
            } else {
                try await Task.sleep(for: .microseconds(spins < 500 ? 20 : 500))
                if ContinuousClock.now - start > settleTimeout {
                    throw Stuck(description: "\(subject.label) did not settle within \(settleTimeout) at t=\(clock.nowMillis())")
                }
            }
        }
    }

    /// Runs the simulation until the clock reads `target`, or until `done` holds after an event.
    /// Returns whether `done` held.
    @discardableResult
    func run(until target: Int64, done: (() async throws -> Bool)? = nil) async throws -> Bool {
        while true {
            try await settle()
            if let done, try await done() { return true }
            guard let next = clock.nextDeadline, next <= target else {
                clock.advance(to: target)
                try await settle()
                return try await done?() ?? false
            }
            clock.advance(to: next)
        }
    }

    /// Waits (real time, bounded) until `condition` holds without moving the clock: for effects of an event that
    /// happen off the clock, such as connections noticing the network went down.
    func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        let start = ContinuousClock.now
        while !(try await condition()) {
            if ContinuousClock.now - start > settleTimeout {
                throw Stuck(description: "\(subject.label): timed out waiting until \(what)")
            }
            try await Task.sleep(for: .milliseconds(1))
        }
        try await settle()
    }
}
