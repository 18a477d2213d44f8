import Dispatch

/// A serial executor backed by its own dispatch queue.
///
/// SQLite calls block (disk I/O, and up to the busy timeout when another process holds the lock). Running the
/// `Store` actor on its own queue keeps those waits off Swift's small cooperative thread pool, where they would
/// stall every other task on a 2-core machine.
final class QueueExecutor: SerialExecutor {
    let queue: DispatchQueue

    init(label: String) { queue = DispatchQueue(label: label) }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }
}
