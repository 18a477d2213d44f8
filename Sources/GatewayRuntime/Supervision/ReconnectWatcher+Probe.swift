import GatewayCore
import GatewayStore
import Logging

/// How long a probe may take: its interval, within [3 s, 5 s]. Not less than 3 s whatever the interval: a DNS lookup,
/// a TCP connect and a TLS handshake are four round trips, over a second on a slow link, and a probe cut short on
/// every try would never see the endpoint come back. (One probe in flight per endpoint: a longer probe only delays
/// the next, and a connect left hanging while the network was down succeeds itself at its next SYN once it is up.)
func probeTimeout(intervalMillis: Int64) -> Int64 { min(max(intervalMillis, 3_000), 5_000) }

extension ReconnectWatcher {
    /// Starts a probe of every endpoint that is due one and has a platform waiting after a network failure; stops
    /// probing those that have none. Runs at every turn of the loop: an in-memory check, then one index lookup per
    /// candidate endpoint.
    func scheduleProbes(now: Int64) async throws {
        guard !attemptsHeld.withLock({ $0 }) else { return }
        let candidates = probes.candidates(now: now)
        guard !candidates.isEmpty else { return }
        let waiting = try await store.endpointsWithNetworkWait(candidates)
        for key in candidates {
            guard waiting.contains(key), let target = probes.targets[key] else {
                probes.idle(key)
                continue
            }
            probes.started(key)
            let probing = self.probing
            probeTasks[key] = Task {
                let result = await probing.probe(target.endpoint, timeoutMillis: probeTimeout(intervalMillis: target.intervalMillis))
                await self.probeFinished(key, result: result)
            }
        }
    }

    /// Records a probe's result; when the endpoint came back, pulls its waiting platforms forward (through the
    /// login budget: they are claimed as due rows, each asking for a slot) and logs it once.
    func probeFinished(_ key: String, result: ProbeResult) async {
        // Done only once recorded (and pulled forward): until then the watcher is not settled.
        defer {
            probeTasks[key] = nil
            signal.nudge()
        }
        // A probe that ends after shutdown began records nothing: the daemon is closing its rows and its lease.
        guard !attemptsHeld.withLock({ $0 }) else { return }
        let cameBack = probes.finished(key, reachable: result.isReachable, now: clock.nowMillis(), random: &random)
        metrics.recordProbe(endpoint: key, reachable: result.isReachable)
        do {
            try await store.recordProbe(key, result: result)
            guard cameBack else {
                if case .unreachable(let reason) = result {
                    logger.debug("endpoint unreachable", metadata: ["endpoint": "\(key)", "probe.error": "\(redactor.scrub(reason))"])
                }
                return
            }
            let moved = try await store.pullForward(
                endpoint: key, windowMillis: settings.probePullForwardWindowMillis, reason: "\(key) is reachable again (probe)",
                gate: pacer)
            metrics.recordCameBack(endpoint: key, pulledForward: moved)
            logger.info("endpoint reachable again; its waiting platforms are due now", metadata: [
                "endpoint": "\(key)", "platforms.pulled_forward": "\(moved)",
            ])
        } catch {
            if stopIfDatabaseFailure(error) { return }
            logger.error("cannot record a probe", metadata: ["endpoint": "\(key)", "error": "\(redactor.scrub("\(error)"))"])
        }
    }
}
