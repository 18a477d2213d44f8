import GatewayStore
import Logging

import GatewayCore
import GatewayDaemon
import GatewayRuntime
import GatewayDiscord
import GatewayIRC
import GatewayTelegram

/// What an adapter gets in the fuzz targets: no store, a manual clock, a logger that drops everything, and a sink
/// that accepts every batch.
enum FuzzContext {
    static func make(platform: String) -> AdapterContext {
        AdapterContext(
            platform: platform, store: nil, clock: ManualClock(), logger: Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() },
            redactor: .none, sink: AcceptingSink())
    }
}

/// Accepts every batch, and checks what an adapter hands on.
struct AcceptingSink: InboundSink {
    func handOff(platform: String, messages: [InboundMessage], cursors: [String: String]) async throws {
        for message in messages {
            invariant(message.platform == platform, "a message handed on for another platform")
        }
    }
}
