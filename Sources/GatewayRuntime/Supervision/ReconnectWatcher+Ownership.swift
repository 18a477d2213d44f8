import GatewayCore
import GatewayStore
import Logging

/// In a fleet, the watcher acts only on the platforms whose lease the daemon holds (``LeaseKeeper``): it starts no
/// attempt and wires no connection for a platform it does not hold, and lets go at once of those it loses —
/// without recording anything, since the row is (or is about to be) another daemon's.
extension ReconnectWatcher {
    /// Whether the daemon may act on `name` now (always, on one daemon's SQLite file).
    func mayActOn(_ name: String) -> Bool { holds?(name) ?? true }

    /// From now on, act only on the platforms `holds` says the daemon holds.
    func actOnlyOn(_ holds: @escaping @Sendable (String) -> Bool) { self.holds = holds }

    /// The platforms this process is connecting or has connected.
    var active: Set<String> {
        get async { Set(await registry.names).union(inFlight.keys) }
    }

    /// Lets go of `names` at once: their attempts are cancelled and their connections closed, nothing recorded.
    func relinquish(_ names: [String], reason: String) async {
        for name in names {
            inFlight[name]?.cancel()
            if await registry.adapter(for: name) != nil {
                logger.warning("closing connection: the platform's lease is no longer this daemon's", metadata: [
                    "platform.name": "\(name)", "reason": "\(reason)",
                ])
                await registry.disconnect(name)
            }
        }
        signal.nudge()
    }
}
