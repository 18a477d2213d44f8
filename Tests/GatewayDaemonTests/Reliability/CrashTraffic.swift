import Foundation
import GatewayCore
import GatewayRuntime
import GatewayTelegram
import GatewayDaemon
import GatewayStore
import Synchronization

/// What keeps happening while the daemon is killed and restarted: outgoing messages enqueued from a second
/// connection (like `gatewayd send`), inbound updates queued on the local Telegram server, and faults injected into
/// that server (errors, dropped connections, rate limits, the server going away and coming back).
final class CrashTraffic: Sendable {
    struct Enqueued: Sendable, Equatable {
        let id: Int64
        let platform: String
        let target: String
        let text: String
    }

    let store: Store
    let telegram: TelegramTestServer
    /// The simulated platform that flaps and receives outbox messages.
    let simulated: String
    /// The Telegram platform.
    let telegramName: String
    private let outbound = Mutex<[Enqueued]>([])
    private let inbound = Mutex<[String]>([])
    private let faults = Mutex<[String: Int]>([:])
    private let tasks = Mutex<[Task<Void, Never>]>([])
    /// Set by `stop()`: the fault injector finishes the fault in hand (a server it took down comes back up) and
    /// ends. Not task cancellation: a cancelled task cannot start the server again.
    private let stopping = Mutex(false)

    init(store: Store, telegram: TelegramTestServer, simulated: String, telegramName: String) {
        self.store = store
        self.telegram = telegram
        self.simulated = simulated
        self.telegramName = telegramName
    }

    var enqueued: [Enqueued] { outbound.withLock { $0 } }
    var inboundTexts: [String] { inbound.withLock { $0 } }
    var faultCounts: [String: Int] { faults.withLock { $0 } }

    /// Starts the three producers; `seed` drives the fault schedule.
    func start(seed: UInt64) {
        let producers = [
            Task { await self.produceOutbound() },
            Task { await self.produceInbound() },
        ]
        tasks.withLock { $0 += producers }
        injector.withLock { $0 = Task { await self.injectFaults(seed: seed) } }
    }

    private let injector = Mutex<Task<Void, Never>?>(nil)

    /// Stops the producers and leaves the Telegram server up with no faults pending.
    func stop() async {
        stopping.withLock { $0 = true }
        await injector.withLock { $0 }?.value
        let running = tasks.withLock { tasks in defer { tasks = [] }; return tasks }
        for task in running { task.cancel() }
        for task in running { await task.value }
        await telegram.state.clearFaults()
    }

    /// Every 100 ms one message to the simulated platform (each 10th to `@blocked`, which refuses it for good);
    /// every 800 ms one to Telegram, over ten chats in turn (Telegram allows one message per second per chat, and
    /// the backlog of a long run has to drain at the end).
    private func produceOutbound() async {
        var index = 0
        while !Task.isCancelled {
            index += 1
            var messages = [(simulated, index % 10 == 0 ? "@blocked" : "#c", "o-\(index)")]
            if index % 8 == 0 { messages.append((telegramName, "\(1_000 + (index / 8) % 10)", "t-\(index)")) }
            for (platform, target, text) in messages {
                // Before the first daemon added the rows the platform is unknown: nothing is queued, try later.
                if let entry = try? await DeliveryRouter.enqueue(
                    store: store, kinds: PlatformKinds.all, platform: platform, target: target, text: text, expiresAt: nil, idempotencyKey: nil) {
                    outbound.withLock { $0.append(Enqueued(id: entry.id, platform: platform, target: target, text: text)) }
                }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Every 150 ms one inbound message on the Telegram server.
    private func produceInbound() async {
        var index = 0
        while !Task.isCancelled {
            index += 1
            let text = "in-\(index)"
            await telegram.state.enqueueMessage(text, chat: 42)
            inbound.withLock { $0.append(text) }
            try? await Task.sleep(for: .milliseconds(150))
        }
    }

    /// Every 300–900 ms (seeded) one fault on the Telegram server, or a pause.
    private func injectFaults(seed: UInt64) async {
        var random = SplitMix64(seed: seed)
        while !stopping.withLock({ $0 }) {
            try? await Task.sleep(for: .milliseconds(random.pick(300...900)))
            if stopping.withLock({ $0 }) { break }
            let kind: String
            switch random.pick(0...6) {
            case 0:
                await telegram.state.inject(.badGateway, on: "getUpdates")
                kind = "502 on getUpdates"
            case 1:
                await telegram.state.inject(.drop, on: "getUpdates")
                kind = "dropped getUpdates"
            case 2:
                await telegram.state.inject(.tooManyRequests(retryAfter: 1), on: "getMe")
                kind = "429 retry_after 1 on getMe"
            case 3:
                await telegram.state.inject(.garbage, on: "getMe")
                kind = "invalid JSON on getMe"
            case 4:
                await telegram.state.inject(.drop, on: "sendMessage")
                kind = "dropped sendMessage"
            case 5:
                await telegram.stop()
                try? await Task.sleep(for: .milliseconds(random.pick(200...1_000)))
                kind = await restartTelegram() ? "server down and up" : "server restart failed"
            default:
                await telegram.state.dropHeldRequests()
                kind = "held polls dropped"
            }
            faults.withLock { $0[kind, default: 0] += 1 }
        }
    }

    /// Starts the stopped server again on its port. The port can be briefly taken meanwhile — under the full suite
    /// another test's client connection may get it as its ephemeral port — so this retries for up to 30 s.
    private func restartTelegram() async -> Bool {
        for _ in 0..<300 {
            if (try? await telegram.start()) != nil { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}
