import Foundation
import GatewayStore
import Hummingbird
import Synchronization
import Testing

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime

/// Debian's chromium, if installed (`scripts/test` installs it).
let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// The status page in a real headless browser, against a database with a known day of history.
@Suite("Status page in a browser")
struct BrowserTests {
    @Test("chromium renders the page: a row per platform and the SVG spans; a screenshot is taken")
    func rendersInChromium() async throws {
        guard let chromium else {
            Issue.record("chromium is not installed: run scripts/test (it installs chromium) to check the status page in a browser")
            return
        }
        let dir = FileManager.default.temporaryDirectory.appending(path: "gatewayd-browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = ManualClock()
        let store = try Store(path: dir.appending(path: "g.db").path, clock: clock, random: SplitMix64(seed: 3))
        try await Self.writeHistory(store: store, clock: clock)

        let source = StatusSource(store: store, metrics: GatewayMetrics(), clock: clock, stallAfterMillis: 30_000, readiness: Readiness())
        let (server, bound) = try await LocalServerRun.loopback(StatusRoutes.router(source: source, token: nil))
        do {
            let url = "http://127.0.0.1:\(bound)/"
            let screenshot = dir.appending(path: "status.png")
            // The documented commands (README, "The status page"), with the flags a root/CI run needs.
            let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"]
            let dom = try await Self.run(chromium, flags + ["--dump-dom", url])
            let shot = try await Self.run(chromium, flags + ["--window-size=1100,520", "--screenshot=\(screenshot.path)", url])
            #expect(dom.status == 0 && shot.status == 0, "chromium failed: \(dom.stderr.suffix(500)) \(shot.stderr.suffix(500))")

            #expect(dom.stdout.contains("<table id=\"platforms\">"))
            for platform in ["telegram", "discord", "irc"] { #expect(dom.stdout.contains("<td>\(platform)</td>")) }
            let spans = dom.stdout.components(separatedBy: "<rect class=\"span ").count - 1
            // discord: connected, needs_attention; irc: connected; telegram: connected, backing_off, connected (the
            // operator retry connected at once: a zero-length connecting span is not drawn).
            #expect(spans == 6, "the DOM has \(spans) timeline spans")
            #expect(dom.stdout.contains("data-platform=\"discord\" data-state=\"needs_attention\""))
            let png = try Data(contentsOf: screenshot)
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000, "a real PNG (\(png.count) bytes)")
            if let keep = ProcessInfo.processInfo.environment["GATEWAYD_SCREENSHOT"] {
                try? FileManager.default.removeItem(atPath: keep)
                try FileManager.default.copyItem(at: screenshot, to: URL(fileURLWithPath: keep))
            }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    /// A day of history: telegram flapped in the morning, discord lost its token in the afternoon, irc is steady.
    static func writeHistory(store: Store, clock: ManualClock) async throws {
        let policy = BackoffPolicy(jitter: 0)
        try await store.startup(configured: ["telegram", "discord", "irc"].map { PlatformSpec(name: $0, type: $0, policy: policy) })
        for row in try await store.claimDue(owner: "d") { try await store.recordSuccess(row.name, owner: "d") }
        clock.advance(seconds: 6 * 3_600)
        try await store.recordDisconnect("telegram", failure: PlatformFailure(.network, message: "getaddrinfo failed"))
        clock.advance(seconds: 2 * 3_600)
        try await store.retryNow("telegram", actor: .operator("test"))
        _ = try await store.claimDue(owner: "d")
        try await store.recordSuccess("telegram", owner: "d")
        clock.advance(seconds: 6 * 3_600)
        try await store.recordDisconnect("discord", failure: PlatformFailure(.auth, code: "4004", message: "Authentication failed"))
        clock.advance(seconds: 10 * 3_600)
    }

    /// Runs a program without blocking a thread of the cooperative pool (the HTTP server under test needs them):
    /// output goes to files, the exit is awaited through the termination handler.
    static func run(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        let dir = FileManager.default.temporaryDirectory
        let outURL = dir.appending(path: "gatewayd-out-\(UUID().uuidString)")
        let errURL = dir.appending(path: "gatewayd-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return (status, try String(contentsOf: outURL, encoding: .utf8), (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }
}
