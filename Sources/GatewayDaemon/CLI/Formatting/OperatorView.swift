import GatewayCore
import GatewayRuntime
import GatewayNetworking
import GatewayStore

/// The one line an operator command prints after its write.
enum OperatorView {
    /// e.g. "retry: telegram is backing_off, due now (attempt 3 so far); a running daemon acts on it within a second".
    /// - Parameters:
    ///   - command: the subcommand's name ("retry", "pause", "resume", "reset").
    ///   - record: the row after the change.
    ///   - daemonAlive: whether a daemon holds a fresh lease (else the change waits for the next start).
    static func render(command: String, record: PlatformRecord, now: Int64, daemonAlive: Bool) -> String {
        var text = "\(command): \(record.name) is \(record.state.rawValue)"
        if record.state == .backingOff, let due = record.nextRetryAt {
            let streak = record.attempts == 0 ? "no attempts so far" : "attempt \(record.attempts) so far"
            text += ", due \(RelativeTime.due(due, now: now)) (\(streak))"
            if let notBefore = record.notBefore, notBefore > now {
                text += ", not before \(UTCTime.iso8601(millis: notBefore, fractional: false)) as the server asked"
            }
        }
        text += daemonAlive
            ? "; a running daemon acts on it within a second"
            : "; no daemon is running: the next one to start acts on it"
        return text
    }
}
