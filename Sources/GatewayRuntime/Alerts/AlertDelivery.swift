import GatewayCore
import GatewayNetworking
import AsyncHTTPClient
import Foundation
import NIOCore

/// Delivers one alert to one destination; throws (with a redacted reason) when it was not accepted.
public protocol AlertDelivering: Sendable {
    /// A short, secret-free name for logs and events ("webhook example.com", "command").
    var name: String { get }
    func deliver(_ alert: Alert) async throws
}

/// POSTs the alert as JSON (signed with `alerts.secret` when set); any 2xx accepts it.
struct WebhookDelivery: AlertDelivering {
    let post: WebhookPost

    init(url: String, secret: Secret?, clock: any GatewayClock, timeout: TimeAmount) {
        post = WebhookPost(
            url: url, secret: secret, clock: clock, timeout: timeout, label: "webhook \(URL(string: url)?.host ?? "?")")
    }

    /// Only the host: webhook URLs often carry a secret in their path.
    var name: String { post.label }

    func deliver(_ alert: Alert) async throws {
        try await post.send(alert.json())
    }
}

/// Runs `/bin/sh -c <command>` with `GATEWAYD_ALERT_*` in its environment and the JSON on standard input; exit 0
/// accepts the alert.
struct CommandDelivery: AlertDelivering {
    let command: String
    var name: String { "command" }

    func deliver(_ alert: Alert) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        var environment = ProcessInfo.processInfo.environment
        environment["GATEWAYD_ALERT_KIND"] = alert.kind.rawValue
        environment["GATEWAYD_ALERT_STATUS"] = alert.status.rawValue
        environment["GATEWAYD_ALERT_PLATFORM"] = alert.platform ?? ""
        environment["GATEWAYD_ALERT_SUMMARY"] = alert.summary
        process.environment = environment
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: AlertDeliveryError("command: cannot start /bin/sh"))
                return
            }
            // A command that exits without reading its input must not kill the daemon with SIGPIPE.
            signal(SIGPIPE, SIG_IGN)
            try? input.fileHandleForWriting.write(contentsOf: alert.json())
            try? input.fileHandleForWriting.close()
        }
        guard status == 0 else { throw AlertDeliveryError("command: exit status \(status)") }
    }
}

struct AlertDeliveryError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
