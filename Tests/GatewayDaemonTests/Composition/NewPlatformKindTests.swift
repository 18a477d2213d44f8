import GatewayCore
import GatewayDaemon
import GatewayRuntime
import GatewayStore
import Synchronization
import Testing

/// A platform kind gatewayd was not built with, defined in this file through the public vocabulary only (no
/// testable import): the proof that a new platform is a new target plus one entry in the list of kinds. The
/// configuration's keys and checks, the target rule, supervision and the outbox need nothing else.
@Suite("A new platform kind")
struct NewPlatformKindTests {
    /// What the stand-in platform received.
    final class Wire: Sendable {
        let sent = Mutex<[OutgoingMessage]>([])
        let greetings = Mutex<[String]>([])
    }

    /// `type: loopback`: one required key (`greeting`), one optional key (`volume`, 0…11), targets are `~name`.
    static func loopback(_ wire: Wire) -> PlatformKind {
        PlatformKind(
            type: PlatformType("loopback"),
            keys: ["greeting": .required(.string), "volume": .optional(.int)],
            targetProblem: { $0.hasPrefix("~") ? nil : "'\($0)' is not a loopback target: a loopback target starts with ~" },
            checkSettings: { platform throws(AdapterError) in
                if case .int(let volume)? = platform.options["volume"], !(0...11).contains(volume) {
                    throw AdapterError(.auth, code: "config", message: "volume must be 0…11, not \(volume)")
                }
            },
            maker: {
                AdapterMaker { platform, _ in
                    wire.greetings.withLock { $0.append(platform.options["greeting"]?.stringValue ?? "") }
                    return LoopbackAdapter(wire: wire)
                }
            })
    }

    final class LoopbackAdapter: PlatformAdapter {
        let wire: Wire
        let closed = Latch()
        init(wire: Wire) { self.wire = wire }
        func connect() async throws {}
        func run() async throws { await closed.waitIgnoringCancellation() }
        func send(_ message: OutgoingMessage) async throws -> SentMessage {
            let count = wire.sent.withLock { $0.append(message); return $0.count }
            return SentMessage(ids: ["\(count)"])
        }
        func disconnect() async { closed.open() }
        func channels() async -> [ChannelEntry] { [] }
    }

    @Test("registered in the list of kinds, it is configured, checked, supervised and sent to like the built-in ones")
    func newKindRuns() async throws {
        let wire = Wire()
        let kinds = PlatformKinds.all + [Self.loopback(wire)]
        let g = try await Harness("platforms:\n  echo: { type: loopback, greeting: hello, volume: 11 }\n", kinds: kinds)
        try await g.waitFor("echo", .connected)
        #expect(wire.greetings.withLock { $0 } == ["hello"])

        await #expect(throws: DeliveryError.self) { try await g.runner.router.submit(platform: "echo", target: "nobody", text: "x") }
        let entry = try await g.runner.router.submit(platform: "echo", target: "~ops", text: "deploy done")
        try await g.waitUntil("the message is sent") { try await g.store.outbox(states: [.sent]).map(\.id) == [entry.id] }
        #expect(wire.sent.withLock { $0.map { "\($0.target) \($0.text)" } } == ["~ops deploy done"])
        try await g.stop()
    }

    @Test("its keys and checks are the configuration's: unknown key, missing key and a failed check name the key path")
    func newKindConfig() throws {
        let kinds = PlatformKinds.all + [Self.loopback(Wire())]
        func problem(_ yaml: String, kinds: [PlatformKind] = kinds) -> String? {
            do { _ = try GatewayConfig.parse(yaml: yaml, source: "t.yaml", environment: [:], kinds: kinds); return nil } catch {
                return error.description
            }
        }
        #expect(problem("platforms:\n  e: { type: loopback, greeting: hi, colour: red }\n")?
            .hasPrefix("t.yaml:2: platforms.e.colour: unknown key for type loopback") == true)
        #expect(problem("platforms:\n  e: { type: loopback }\n") == "t.yaml:2: platforms.e.greeting: missing required key (type loopback needs it)")
        #expect(problem("platforms:\n  e: { type: loopback, greeting: hi, volume: 12 }\n") == "t.yaml:2: platforms.e.volume: volume must be 0…11, not 12")
        #expect(problem("platforms:\n  e: { type: loopback, greeting: hi }\n") == nil)
        // Without the kind in the list, the type does not exist.
        #expect(problem("platforms:\n  e: { type: loopback, greeting: hi }\n", kinds: PlatformKinds.all)
            == "t.yaml:2: platforms.e.type: unknown platform type 'loopback'; known types: telegram, discord, irc, matrix, slack, simulated")
    }
}
