import Hummingbird
import Logging
import ServiceLifecycle

/// Runs a local test server (a Hummingbird application) in a service group of its own, and stops it the way a real
/// server stops: a graceful shutdown first, then, after a short grace, the connections still open are dropped and
/// the rest is cancelled.
///
/// Why not just cancel the serving task: cancelling it while a just-accepted connection is still buffered in the
/// server's async channel traps the whole process ("Deinited NIOAsyncWriter without calling finish()", NIO's advice in
/// apple/swift-nio#3481 is a graceful shutdown instead). It happened once in CI, with the crash harness restarting the
/// Telegram server while the daemon kept connecting. After the graceful shutdown has begun the server accepts nothing,
/// so the cancellation that follows cannot meet a buffered connection.
final class LocalServerRun: Sendable {
    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    private let connections: AcceptedConnections

    /// Starts `service`; `connections` should see every accepted connection (install its handler first on the
    /// server channel, in `onServerRunning`).
    init(_ service: some Service, connections: AcceptedConnections, onExit: @escaping @Sendable () -> Void = {}) {
        let group = ServiceGroup(configuration: .init(
            services: [service], gracefulShutdownSignals: [], logger: Logger(label: "test-server") { _ in SwiftLogNoOpLogHandler() }))
        self.group = group
        self.connections = connections
        task = Task {
            defer { onExit() }
            try await group.run()
        }
    }

    /// How the server ended (waits for it).
    var result: Result<Void, any Error> { get async { await task.result } }

    deinit { task.cancel() }

    /// Graceful shutdown; after `grace`, drops the connections still open (a request held for ever, a connection that
    /// never sent a request) and cancels what is left. Returns once the server has stopped.
    func stop(grace: Duration = .seconds(1)) async {
        await group.triggerGracefulShutdown()
        let connections = connections
        let task = task
        let forced = Task {
            try await Task.sleep(for: grace)
            connections.closeAll()
            try await Task.sleep(for: grace)
            task.cancel()
        }
        _ = await task.result
        forced.cancel()
    }
}

extension LocalServerRun {
    /// Serves `router` on 127.0.0.1 at a free port, every connection tracked; returns once it listens.
    static func loopback(_ router: Router<BasicRequestContext>) async throws -> (run: LocalServerRun, port: Int) {
        let connections = AcceptedConnections()
        let tracker = connections.handler()
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                try? await channel.pipeline.addHandler(tracker, position: .first)
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: Logger(label: "test-server") { _ in SwiftLogNoOpLogHandler() })
        let run = LocalServerRun(app, connections: connections, onExit: { continuation.finish() })
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            await run.stop()
            throw CancellationError()
        }
        return (run, port)
    }
}
