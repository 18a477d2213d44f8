import GatewayCore
import GatewayRuntime
import GatewayDaemon
import Synchronization

/// The benchmark's virtual time: a clock that moves only when the driver says so.
///
/// Like `ManualClock`, but built for simulations with thousands of sleepers: sleepers sit in a binary heap (an
/// advance costs O(k log n) for the k sleepers it wakes), and a sleep may carry a *tag* naming the flow that sleeps
/// (a platform's login, the seed model's tick). The driver reads the tags to tell "every flow is waiting for time to
/// pass" from "something is still working", which is when it may move the clock to the next deadline.
final class VirtualClock: GatewayClock {
    private struct Sleeper {
        let deadline: Int64
        let tag: String?
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Int64
        var nextID: UInt64 = 0
        var sleepers: [UInt64: Sleeper] = [:]
        var heap = DeadlineHeap()
        var tags: [String: Int] = [:]
        /// Bumped whenever a sleeper comes or goes.
        var changes: UInt64 = 0

        mutating func remove(_ id: UInt64) -> Sleeper? {
            guard let sleeper = sleepers.removeValue(forKey: id) else { return nil }
            changes += 1
            if let tag = sleeper.tag {
                let left = (tags[tag] ?? 1) - 1
                tags[tag] = left > 0 ? left : nil
            }
            return sleeper
        }
    }

    private let state: Mutex<State>

    init(nowMillis: Int64 = 1_800_000_000_000) { state = Mutex(State(now: nowMillis)) }

    func nowMillis() -> Int64 { state.withLock { $0.now } }

    /// The earliest deadline anyone sleeps until, or nil when nobody sleeps.
    var nextDeadline: Int64? {
        state.withLock { state in
            while let top = state.heap.peek {
                if state.sleepers[top.id] != nil { return top.deadline }
                _ = state.heap.pop()  // cancelled earlier
            }
            return nil
        }
    }

    /// The tags of the flows asleep now.
    var sleepingTags: Set<String> { state.withLock { Set($0.tags.keys) } }

    /// Who sleeps now, taken at one instant: how many untagged sleepers are due within `horizon` ms, how many
    /// sleepers there are per tag, and a counter that changes whenever a sleeper comes or goes (so a caller can tell
    /// whether anything moved between two looks).
    func census(horizon: Int64) -> (untaggedSoon: Int, tagged: [String: Int], changes: UInt64) {
        state.withLock { state in
            let limit = state.now + horizon
            return (state.sleepers.values.count(where: { $0.tag == nil && $0.deadline <= limit }), state.tags, state.changes)
        }
    }

    /// See ``census(horizon:)``.
    var changes: UInt64 { state.withLock { $0.changes } }

    /// Moves the clock to `millis` (never backwards) and wakes, in deadline order, every sleeper that is due.
    func advance(to millis: Int64) {
        let due = state.withLock { state -> [Sleeper] in
            state.now = max(state.now, millis)
            var due: [Sleeper] = []
            while let top = state.heap.peek, top.deadline <= state.now {
                _ = state.heap.pop()
                if let sleeper = state.remove(top.id) { due.append(sleeper) }
            }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    func sleep(untilMillis deadline: Int64) async throws { try await sleep(untilMillis: deadline, tag: nil) }

    /// Sleeps until the clock reads `deadline`; while asleep, `tag` is in ``sleepingTags``.
    func sleep(untilMillis deadline: Int64, tag: String?) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: (any Error)?? = state.withLock { state in
                    if Task.isCancelled { return .some(CancellationError()) }
                    if deadline <= state.now { return .some(nil) }
                    state.sleepers[id] = Sleeper(deadline: deadline, tag: tag, continuation: continuation)
                    state.changes += 1
                    state.heap.push(deadline: deadline, id: id)
                    if let tag { state.tags[tag, default: 0] += 1 }
                    return .none
                }
                switch resumeNow {
                case .some(.some(let error)): continuation.resume(throwing: error)
                case .some(.none): continuation.resume()
                case .none: break
                }
            }
        } onCancel: {
            let cancelled = state.withLock { $0.remove(id) }
            cancelled?.continuation.resume(throwing: CancellationError())
        }
    }
}

/// A binary min-heap of (deadline, id); ties go to the earlier sleeper.
struct DeadlineHeap {
    private var items: [(deadline: Int64, id: UInt64)] = []

    var peek: (deadline: Int64, id: UInt64)? { items.first }

    private func less(_ a: Int, _ b: Int) -> Bool {
        (items[a].deadline, items[a].id) < (items[b].deadline, items[b].id)
    }

    mutating func push(deadline: Int64, id: UInt64) {
        items.append((deadline, id))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(child, parent) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (deadline: Int64, id: UInt64)? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count && less(left, smallest) { smallest = left }
            if right < items.count && less(right, smallest) { smallest = right }
            if smallest == parent { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}
