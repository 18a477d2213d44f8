import GatewayCore
import GatewayRuntime
import GatewayNetworking
import ServiceLifecycle

/// One of the daemon's long-lived loops (outbox flusher, inbox dispatcher) as a `Service` of the daemon's group.
///
/// It starts once the runner is ready — the lease is taken and the configuration reconciled — and ends at graceful
/// shutdown or cancellation. A shutdown that comes while it still waits for readiness ends the wait too.
struct DaemonLoop: Service {
    let name: String
    let readiness: Readiness
    let body: @Sendable () async -> Void

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { [readiness, body] in
                try await readiness.waitUntilReady()
                await body()
            }
        } catch is CancellationError {
            return
        }
    }
}
