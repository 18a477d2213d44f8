import GatewayCore
import GatewayNetworking
import Foundation

/// One alert: an incident firing, or its recovery. Sent as JSON to the webhook and to the command's standard input.
public struct Alert: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A platform has not been connected for longer than `down_after`.
        case down
        /// A platform reached max attempts and retries at the slow cadence.
        case exhausted
        /// A platform needs a human (auth/config/conflict, or gave up).
        case needsAttention = "needs_attention"
        /// The reconnect watcher's heartbeat is older than `stall_after`.
        case watcherStalled = "watcher_stalled"
    }

    public enum Status: String, Sendable, Codable { case firing, recovered }

    public var kind: Kind
    public var status: Status
    /// The platform, or nil for the daemon's own alerts.
    public var platform: String?
    /// The platform's state when the alert was raised.
    public var state: String?
    /// When the incident started (Unix ms).
    public var since: Int64
    /// When this alert was raised (Unix ms).
    public var at: Int64
    /// Redacted, human-readable.
    public var detail: String

    /// One line for logs, events and chat notifications.
    public var summary: String {
        let subject = platform ?? "gatewayd"
        switch status {
        case .firing: return "\(subject): \(kind.rawValue) — \(detail)"
        case .recovered: return "\(subject): recovered from \(kind.rawValue)"
        }
    }

    func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }
}
