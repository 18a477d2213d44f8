import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A local Telegram Bot API server (Hummingbird, 127.0.0.1, port 0) that speaks the real envelope and semantics —
/// getMe, getUpdates with offset confirmation and a real long-poll hold, sendMessage — with per-test fault injection.
///
/// `stop()` closes the port (clients get "connection refused") and drops every held request; `start()` opens the
/// same port again with the same state, as a restarted server would.
final class TelegramTestServer: Sendable {
    let state: TelegramServerState
    let token: String
    private struct Running {
        let run: LocalServerRun
        let port: Int
    }
    private let running = Mutex<Running?>(nil)
    private let lastPort = Mutex(0)

    init(token: String) {
        self.token = token
        state = TelegramServerState(token: token)
    }

    /// A started server.
    static func start(token: String) async throws -> TelegramTestServer {
        let server = TelegramTestServer(token: token)
        try await server.start()
        return server
    }

    var port: Int { lastPort.withLock { $0 } }
    var apiBase: String { "http://127.0.0.1:\(port)" }

    /// Listens (again) on the last port, or a free one the first time.
    func start() async throws {
        let router = Router(context: TelegramServerContext.self)
        let state = state
        router.post("**") { request, context in
            try await TelegramServerResponder(state: state).respond(to: request, context: context)
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let connections = AcceptedConnections()
        let tracker = connections.handler()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in
                try? await channel.pipeline.addHandler(tracker, position: .first)
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: Logger(label: "telegram-test-server") { _ in SwiftLogNoOpLogHandler() })
        let run = LocalServerRun(app, connections: connections, onExit: { continuation.finish() })
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next(), bound > 0 else {
            await run.stop()
            throw ServerError(description: "the test server did not start: \(String(describing: await run.result))")
        }
        lastPort.withLock { $0 = bound }
        running.withLock { $0 = Running(run: run, port: bound) }
    }

    /// Stops listening and drops every connection; afterwards the port refuses connections.
    func stop() async {
        guard let current = running.withLock({ state -> Running? in defer { state = nil }; return state }) else { return }
        await state.dropHeldRequests()
        await current.run.stop()
    }

    struct ServerError: Error, CustomStringConvertible {
        let description: String
    }
}

/// The request context: Hummingbird's basics plus the connection, so a handler can drop it mid-request.
struct TelegramServerContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
