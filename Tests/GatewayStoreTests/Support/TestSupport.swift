import Foundation
import Synchronization
import Testing

@testable import GatewayStore

/// A wall clock the test moves by hand.
final class TestClock: WallClock {
    private let current: Mutex<Int64>

    init(_ start: Int64 = 1_800_000_000_000) { current = Mutex(start) }

    func nowMillis() -> Int64 { current.withLock { $0 } }

    func advance(seconds: Double) { current.withLock { $0 += Int64(seconds * 1000) } }
    func advance(millis: Int64) { current.withLock { $0 += millis } }
    func set(_ millis: Int64) { current.withLock { $0 = millis } }
}

/// A fresh temporary directory, removed after `body`.
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let url = FileManager.default.temporaryDirectory.appending(path: "gatewayd-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer {
        // Restore permissions a test may have removed, so the cleanup works.
        _ = try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: url.path)
        _ = try? FileManager.default.removeItem(at: url)
    }
    return try await body(url)
}

/// Opens a store on a new temporary file with a manual clock and a seeded random source.
func withStore<T>(
    clock: TestClock = TestClock(),
    settings: StoreSettings = StoreSettings(),
    seed: UInt64 = 42,
    _ body: (Store, TestClock, String) async throws -> T
) async throws -> T {
    try await withTemporaryDirectory { dir in
        let path = dir.appending(path: "gateway.db").path
        let store = try Store(path: path, clock: clock, settings: settings, random: SplitMix64(seed: seed))
        return try await body(store, clock, path)
    }
}

/// Runs a command-line program and returns its exit status, standard output and standard error.
@discardableResult
func runProcess(_ executable: String, _ arguments: [String], currentDirectory: URL? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// A network failure with the given message.
func networkFailure(_ message: String = "connection refused", notBefore: Int64? = nil) -> PlatformFailure {
    PlatformFailure(.network, message: message, notBefore: notBefore)
}

/// The seed schedule's policy: no jitter.
let noJitter = BackoffPolicy(jitter: 0)

/// Claims `name` (which must be due) and fails the attempt with `failure`, `times` times, advancing the clock to
/// each next retry. Returns the last record.
@discardableResult
func failAttempts(
    _ name: String, times: Int, on store: Store, clock: TestClock, owner: String = "test",
    failure: PlatformFailure = networkFailure()
) async throws -> PlatformRecord {
    var last: PlatformRecord?
    for _ in 0..<times {
        if let due = try await store.platform(name)?.nextRetryAt, due > clock.nowMillis() { clock.set(due) }
        let claimed = try await store.claimDue(owner: owner)
        #expect(claimed.map(\.name).contains(name))
        last = try await store.recordFailure(name, owner: owner, failure: failure)
    }
    return try #require(last)
}
