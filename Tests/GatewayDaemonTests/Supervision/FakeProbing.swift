import GatewayCore
import Synchronization

/// A reachability probe the test controls: platforms get the endpoint `endpoints` names for them; each probe
/// answers what `reachable` says at that moment (or hangs while `hang` is set, until released), and is counted.
final class FakeProbing: ReachabilityProbing {
    private struct State {
        var reachable: [Endpoint: Bool] = [:]
        var probes: [Endpoint: Int] = [:]
        var hang = false
        var hung: [CheckedContinuation<Void, Never>] = []
    }

    let endpoints: [String: Endpoint]
    private let state = Mutex(State())

    init(_ endpoints: [String: Endpoint]) { self.endpoints = endpoints }

    func endpoint(for platform: PlatformConfig) -> Endpoint? { endpoints[platform.name] }

    func probe(_ endpoint: Endpoint, timeoutMillis: Int64) async -> ProbeResult {
        let hang = state.withLock { state in
            state.probes[endpoint, default: 0] += 1
            return state.hang
        }
        if hang {
            await withCheckedContinuation { continuation in state.withLock { $0.hung.append(continuation) } }
        }
        let up = state.withLock { $0.reachable[endpoint] ?? false }
        return up ? .reachable : .unreachable(reason: "refused: connection refused by \(endpoint.host):\(endpoint.port)")
    }

    func set(_ endpoint: Endpoint, reachable: Bool) { state.withLock { $0.reachable[endpoint] = reachable } }

    func probes(_ endpoint: Endpoint) -> Int { state.withLock { $0.probes[endpoint] ?? 0 } }

    /// Probes from now on hang until ``release()``.
    func hangProbes() { state.withLock { $0.hang = true } }

    func release() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.hang = false
            defer { state.hung = [] }
            return state.hung
        }
        for continuation in waiting { continuation.resume() }
    }
}
