import Foundation
import GatewayStore
import Hummingbird
import Logging
import NIOCore
import Synchronization
import Testing

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime

/// A destination that records alerts and can be told to fail.
final class RecordingDestination: AlertDelivering {
    let name = "recorder"
    private let state = Mutex<(alerts: [Alert], failing: Bool)>(([], false))
    var alerts: [Alert] { state.withLock { $0.alerts } }
    func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }

    func deliver(_ alert: Alert) async throws {
        try state.withLock {
            if $0.failing { throw AlertDeliveryError("recorder: refused") }
            $0.alerts.append(alert)
        }
    }
}

@Suite("Alerts")
struct AlertTests {
    let config = AlertsConfig(webhook: "http://unused.invalid/hook", downAfterMillis: 300_000, stallAfterMillis: 60_000)

    func withGateway(_ yaml: String, _ body: (Harness, AlertManager, RecordingDestination) async throws -> Void) async throws {
        let destination = RecordingDestination()
        // The harness builds its own store; the alert manager shares it through a second Store on the same file.
        let g = try await Harness(yaml)
        let store = try Store(path: g.path, clock: g.clock)
        let manager = AlertManager(config: config, store: store, clock: g.clock, logger: Logger(label: "test"), destinations: [destination])
        try await body(g, manager, destination)
        try await g.stop()
    }

    @Test("a platform down longer than down_after alerts once, and once more when it recovers")
    func downOnceAndRecovered() async throws {
        try await withGateway("""
            reconnect: { base: 2m, cap: 2m, jitter: 0 }
            platforms:
              p: { type: simulated, script: "fail network x3, then connect" }
            """) { g, manager, destination in
            try await g.settle()
            await manager.evaluate()
            #expect(destination.alerts.isEmpty)
            for _ in 0..<2 {  // 4 minutes down: still under the threshold
                g.clock.advance(seconds: 120)
                try await g.settle()
            }
            await manager.evaluate()
            try await manager.deliverForTest()
            #expect(destination.alerts.isEmpty)
            g.clock.advance(seconds: 60)
            try await g.settle()
            await manager.evaluate()
            try await manager.deliverForTest()
            #expect(destination.alerts.map(\.kind) == [.down] && destination.alerts.first?.platform == "p")
            await manager.evaluate()
            try await manager.deliverForTest()
            #expect(destination.alerts.count == 1, "de-duplicated while the incident lasts")
            g.clock.advance(seconds: 60)  // the 4th attempt connects
            try await g.waitFor("p", .connected)
            await manager.evaluate()
            try await manager.deliverForTest()
            #expect(destination.alerts.map(\.status) == [.firing, .recovered])
            #expect(try await g.store.events(platform: "p").filter { $0.kind == .alertSent }.count == 2)
        }
    }

    @Test("needs_attention alerts at once; an incident survives a restart of the alert manager without re-firing")
    func needsAttentionPersisted() async throws {
        try await withGateway("""
            when_all_failed: stay
            platforms:
              p: { type: simulated, script: "fail auth" }
            """) { g, manager, destination in
            try await g.waitFor("p", .needsAttention)
            await manager.evaluate()
            try await manager.deliverForTest()
            #expect(destination.alerts.map(\.kind) == [.needsAttention])
            #expect(destination.alerts.first?.detail.contains("simulated auth failure") == true)
            let restarted = AlertManager(config: config, store: g.store, clock: g.clock, logger: Logger(label: "t"), destinations: [destination])
            await restarted.evaluate()
            try await restarted.deliverForTest()
            #expect(destination.alerts.count == 1)
        }
    }

    @Test("a failed delivery is retried with backoff and recorded; it arrives once the destination is back")
    func retried() async throws {
        try await withGateway("""
            when_all_failed: stay
            platforms:
              p: { type: simulated, script: "fail auth" }
            """) { g, manager, destination in
            try await g.waitFor("p", .needsAttention)
            destination.setFailing(true)
            await manager.evaluate()
            try await manager.deliverForTest()
            #expect(await manager.pendingCount == 1)
            g.clock.advance(seconds: 4)
            try await manager.deliverForTest()
            #expect(try await g.store.events(platform: "p").filter { $0.kind == .alertFailed }.count == 1, "not due before 5 s")
            g.clock.advance(seconds: 1)
            try await manager.deliverForTest()
            #expect(try await g.store.events(platform: "p").filter { $0.kind == .alertFailed }.count == 2)
            destination.setFailing(false)
            g.clock.advance(seconds: 10)
            try await manager.deliverForTest()
            let stillPending = await manager.pendingCount
            #expect(destination.alerts.count == 1 && stillPending == 0)
            #expect(try await g.store.events(platform: "p").last?.kind == .alertSent)
        }
    }

    @Test("a stalled watcher alerts, and recovers when the heartbeat is fresh again")
    func watcherStall() async throws {
        let dir = FileManager.default.temporaryDirectory.appending(path: "gatewayd-stall-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = ManualClock()
        let store = try Store(path: dir.appending(path: "g.db").path, clock: clock)
        try await store.acquireDaemonLease(DaemonIdentity(owner: "d", pid: 1, host: "h")) { _ in true }
        try await store.heartbeat(owner: "d", watcher: true)
        let destination = RecordingDestination()
        let manager = AlertManager(config: config, store: store, clock: clock, logger: Logger(label: "t"), destinations: [destination])
        clock.advance(seconds: 59)
        await manager.evaluate()
        #expect(destination.alerts.isEmpty)
        clock.advance(seconds: 1)
        await manager.evaluate()
        try await manager.deliverForTest()
        #expect(destination.alerts.map(\.kind) == [.watcherStalled] && destination.alerts[0].platform == nil)
        try await store.heartbeat(owner: "d", watcher: true)
        await manager.evaluate()
        try await manager.deliverForTest()
        #expect(destination.alerts.map(\.status) == [.firing, .recovered])
    }

    @Test("the webhook destination POSTs the alert as JSON to a real local receiver, signed with alerts.secret")
    func webhook() async throws {
        let received = Mutex<[Data]>([])
        let secret = Secret("alert-signing-secret")
        let clock = ManualClock()
        let router = Router()
        router.post("/hook") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 65_536)
            let failure = WebhookSignature.failure(
                body: Array(buffer: body), timestamp: request.headers[.init(WebhookSignature.timestampHeader)!],
                signature: request.headers[.init(WebhookSignature.signatureHeader)!], secret: secret,
                now: clock.nowMillis() / 1_000)
            guard failure == nil else { return .unauthorized }
            received.withLock { $0.append(Data(buffer: body)) }
            return .noContent
        }
        let (server, bound) = try await LocalServerRun.loopback(router)
        let alert = Alert(kind: .down, status: .firing, platform: "tg", state: "backing_off", since: 1, at: 2, detail: "not connected for 5m")
        try await WebhookDelivery(url: "http://127.0.0.1:\(bound)/hook", secret: secret, clock: clock, timeout: .seconds(30)).deliver(alert)
        await #expect(throws: AlertDeliveryError.self, "unsigned: refused by the receiver") {
            try await WebhookDelivery(url: "http://127.0.0.1:\(bound)/hook", secret: nil, clock: clock, timeout: .seconds(30)).deliver(alert)
        }
        await #expect(throws: AlertDeliveryError.self) {
            try await WebhookDelivery(url: "http://127.0.0.1:\(bound)/missing", secret: nil, clock: SystemGatewayClock(), timeout: .seconds(30)).deliver(alert)
        }
        await server.stop()
        #expect(received.withLock { $0.count } == 1)
        let body = try #require(received.withLock { $0.first })
        let decoded = try JSONDecoder().decode(Alert.self, from: body)
        #expect(decoded.kind == .down && decoded.platform == "tg" && decoded.detail == "not connected for 5m")
    }

    @Test("the command destination gets the alert in its environment and on standard input")
    func command() async throws {
        let file = FileManager.default.temporaryDirectory.appending(path: "gatewayd-alert-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: file) }
        let alert = Alert(kind: .needsAttention, status: .firing, platform: "dc", state: "needs_attention", since: 1, at: 2, detail: "auth: 4004")
        try await CommandDelivery(command: "{ echo \"$GATEWAYD_ALERT_KIND $GATEWAYD_ALERT_PLATFORM\"; cat; } > '\(file.path)'").deliver(alert)
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.hasPrefix("needs_attention dc\n{"))
        await #expect(throws: AlertDeliveryError.self) { try await CommandDelivery(command: "exit 3").deliver(alert) }
    }
}
