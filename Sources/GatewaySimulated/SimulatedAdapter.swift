import Foundation
import GatewayCore
import Synchronization

/// A platform whose behaviour is a `SimulatedScript`: drives the tests and the demo. No network.
///
/// One adapter per attempt; `SimulatedPlatform` keeps the script position across attempts.
public final class SimulatedAdapter: PlatformAdapter {
    private let platform: SimulatedPlatform
    private let step: SimulatedScript.Step
    private let clock: any GatewayClock
    private let closed = Latch()
    private let connected = Mutex(false)

    init(platform: SimulatedPlatform, step: SimulatedScript.Step, clock: any GatewayClock) {
        self.platform = platform
        self.step = step
        self.clock = clock
    }

    public func connect() async throws {
        switch step {
        case .fail(let errorClass):
            throw AdapterError(errorClass, code: "simulated", message: "simulated \(errorClass.rawValue) failure")
        case .retryAfter(let millis):
            throw AdapterError(.rateLimited, code: "429", message: "simulated rate limit", retryAfterMillis: millis)
        case .hang:
            await closed.waitIgnoringCancellation()
            throw AdapterError(.network, code: "closed", message: "simulated hang ended by disconnect")
        case .connect:
            connected.withLock { $0 = true }
            await platform.didConnect()
        }
    }

    public func run() async throws {
        guard case .connect(let dropAfter, let dropClass) = step else { return }
        guard let dropAfter else {
            await closed.waitIgnoringCancellation()
            return
        }
        let dropAt = clock.nowMillis() + dropAfter
        let dropped = await withTaskGroup(of: Bool.self) { group in
            group.addTask { [clock] in
                do { try await clock.sleep(untilMillis: dropAt) } catch { return false }
                return true
            }
            group.addTask { [closed] in
                await closed.waitIgnoringCancellation()
                return false
            }
            let first = await group.next() ?? false
            closed.open()  // releases the other child
            group.cancelAll()
            return first
        }
        connected.withLock { $0 = false }
        if dropped {
            throw AdapterError(dropClass, code: "simulated", message: "simulated drop after \(DurationText.describe(millis: dropAfter))")
        }
    }

    /// Sends to the simulated platform. Three targets behave like real refusals: `@blocked` is refused for this
    /// message only (like Telegram's 403 "bot was blocked"), `@slow` answers a 5 s rate limit the first time, and
    /// `@down` always fails with a server error while the connection stays up (like a 502 from a REST API whose
    /// long poll still works).
    public func send(_ message: OutgoingMessage) async throws -> SentMessage {
        guard connected.withLock({ $0 }), !closed.isOpen else {
            throw AdapterError(.network, code: "not_connected", message: "the simulated connection is closed")
        }
        if message.target == "@blocked" {
            throw AdapterError.message(.auth, code: "403", message: "Forbidden: bot was blocked by the user")
        }
        if message.target == "@down" {
            throw AdapterError(.server, code: "502", message: "Bad Gateway")
        }
        if message.target == "@slow", await platform.firstRateLimit() {
            throw AdapterError(.rateLimited, code: "429", message: "Too Many Requests: retry after 5", retryAfterMillis: 5_000)
        }
        if platform.sendDelayMillis > 0 { try await clock.sleep(untilMillis: clock.nowMillis() + platform.sendDelayMillis) }
        return SentMessage(ids: [try await platform.record(message)])
    }

    public func disconnect() async {
        connected.withLock { $0 = false }
        closed.open()
    }

    public func channels() async -> [ChannelEntry] {
        [ChannelEntry(id: "#general", name: "general", kind: "channel"), ChannelEntry(id: "@owner", name: "owner", kind: "private")]
    }
}

/// A simulated platform's lasting state: where its script is, and what was sent to it.
public actor SimulatedPlatform {
    public let name: String
    public let script: SimulatedScript
    public private(set) var attempts = 0
    public private(set) var connects = 0
    public private(set) var sent: [OutgoingMessage] = []
    /// When set, each sent message is also appended to this file (`target<TAB>text`), so a test can count what a
    /// killed process sent.
    let sentLog: String?
    /// How long each send takes (to make a flush observable).
    nonisolated let sendDelayMillis: Int64
    private var rateLimited = false

    public init(name: String, script: SimulatedScript, sentLog: String? = nil, sendDelayMillis: Int64 = 0) {
        self.name = name
        self.script = script
        self.sentLog = sentLog
        self.sendDelayMillis = sendDelayMillis
    }

    func firstRateLimit() -> Bool {
        defer { rateLimited = true }
        return !rateLimited
    }

    /// The step for the next attempt; counts the attempt.
    func nextStep() -> SimulatedScript.Step {
        defer { attempts += 1 }
        return script.step(forAttempt: attempts)
    }

    func didConnect() { connects += 1 }

    func record(_ message: OutgoingMessage) throws -> String {
        sent.append(message)
        if let sentLog {
            let line = Data("\(message.target)\t\(message.text)\n".utf8)
            guard let handle = FileHandle(forWritingAtPath: sentLog) ?? {
                FileManager.default.createFile(atPath: sentLog, contents: nil) ? FileHandle(forWritingAtPath: sentLog) : nil
            }() else {
                throw AdapterError(.network, code: "sent_log", message: "cannot write the simulated sent log")
            }
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
        }
        return "\(name)-\(sent.count)"
    }
}
