import Foundation
import Logging
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime

@Suite("Structured logs")
struct LogFormatTests {
    func logger(_ format: LogConfig.Format, output: LogOutput, secrets: [String] = []) -> Logger {
        Logger(label: "gatewayd") { label in
            StructuredLogHandler(label: label, format: format, level: .debug, redactor: Redactor(secrets: secrets), output: output)
        }
    }

    @Test("logfmt: constant message, sorted metadata, quoting only where needed, one line per record")
    func logfmt() {
        let output = LogOutput.memory()
        logger(.logfmt, output: output).info("platform transition", metadata: [
            "platform.name": "tg", "event.detail": "connection \"refused\"\nagain", "reconnect.attempt": "3",
        ])
        #expect(output.captured.count == 1)
        let line = output.captured.first
        #expect(line?.contains(#" level=info msg="platform transition" event.detail="connection \"refused\"\nagain" platform.name=tg reconnect.attempt=3"#) == true, "\(line ?? "")")
        #expect(line?.hasPrefix("ts=20") == true)
        #expect(line?.contains("\n") == false)
    }

    @Test("JSON: one object per line that parses back")
    func json() throws {
        let output = LogOutput.memory()
        logger(.json, output: output).warning("alert", metadata: ["alert.kind": "down", "platform.name": "dc"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.captured[0].utf8)) as? [String: String])
        #expect(object["msg"] == "alert" && object["level"] == "warning" && object["alert.kind"] == "down" && object["platform.name"] == "dc")
    }

    @Test("secrets are scrubbed from messages and metadata by the handler itself")
    func redaction() {
        let output = LogOutput.memory()
        let token = "123456:AAE-very-secret"
        logger(.logfmt, output: output, secrets: [token]).error("request to https://api/bot\(token)/getMe failed", metadata: ["error": "bad bot\(token)"])
        #expect(!output.captured.joined().contains(token))
        #expect(output.captured.joined().contains("<redacted>"))
    }
}

@Suite("Transition log")
struct TransitionLogTests {
    @Test("every transition is logged exactly once at info, including an operator's from another process")
    func onceEach() async throws {
        let capture = LogCapture()
        let g = try await Harness("""
            reconnect: { base: 30s, jitter: 0 }
            when_all_failed: stay
            platforms:
              a: { type: simulated, script: "fail network, then connect" }
              b: { type: simulated, script: "fail auth" }
            """, logger: capture.logger(level: .info))
        try await g.settle()
        g.clock.advance(seconds: 30)
        try await g.waitFor("a", .connected)
        try await g.settle()
        let operatorStore = try Store(path: g.path, clock: g.clock)
        try await operatorStore.pause("a", actor: .operator("carol"))
        g.clock.advance(seconds: 1)
        try await g.settle()
        try await g.stop()
        let events = try await g.store.events(limit: 1_000)
        let logged = capture.text.split(separator: "\n").filter { $0.hasPrefix("info platform transition") }
        #expect(logged.count == events.count, "\(logged.count) lines for \(events.count) events")
        #expect(logged.contains { $0.contains("event.kind=paused") && $0.contains("event.actor=operator:carol") })
        #expect(!capture.text.contains("info platform connected"), "no second info line for the same transition")
    }
}

@Suite("Operator configuration")
struct OperatorConfigTests {
    @Test("http, alerts, inbox and log sections parse; mistakes name their key path")
    func sections() throws {
        let config = try GatewayConfig.parse(yaml: """
            http: { listen: "127.0.0.1:9100", token: ${HTTP_TOKEN} }
            alerts: { webhook: "https://hooks.example/x", secret: ${ALERT_SECRET}, down_after: 2m, stall_after: 30s }
            inbox: { webhook: "http://127.0.0.1:9000/in", secret: ${INBOX_SECRET}, retention: 3d }
            log: { format: json, level: debug }
            platforms: { p: { type: simulated, script: connect } }
            """, source: "g.yaml", environment: ["HTTP_TOKEN": "tok-123456", "ALERT_SECRET": "al-secret", "INBOX_SECRET": "in-secret"])
        #expect(config.http?.port == 9100 && config.http?.token?.revealed == "tok-123456")
        #expect(config.alerts?.downAfterMillis == 120_000 && config.alerts?.stallAfterMillis == 30_000)
        #expect(config.inbox.webhook == "http://127.0.0.1:9000/in" && config.inbox.retentionMillis == 3 * 86_400_000)
        #expect(config.log == LogConfig(format: .json, level: "debug"))
        #expect(config.secrets.contains("tok-123456"), "the HTTP token is redacted like the platforms' secrets")
        #expect(config.alerts?.secret?.revealed == "al-secret" && config.inbox.secret?.revealed == "in-secret")
        #expect(config.secrets.contains("al-secret") && config.secrets.contains("in-secret"), "the signing secrets too")
        for (yaml, expected) in [
            ("http: { listen: nowhere }", "g.yaml:1: http.listen: must be host:port"),
            ("alerts: { down_after: 5m }", "alerts.webhook"),
            ("alerts: { webhook: ftp://x }", "g.yaml:1: alerts.webhook: must be an http:// or https:// URL"),
            ("inbox: { webhook: \"http://x\", retention: 0s }", "g.yaml:1: inbox.retention: must be greater than 0"),
            ("log: { format: xml }", "g.yaml:1: log.format: must be logfmt or json"),
            ("inbox: { webhook: \"http://x\", secret: \"\" }", "g.yaml:1: inbox.secret: must not be empty"),
            ("inbox: { webhook: \"http://x\", secret: ${UNSET_SECRET} }", "g.yaml:1: inbox.secret: environment variable UNSET_SECRET is not set"),
            ("inbox: { signing: x }", "known keys: retention, secret, webhook"),
        ] {
            do {
                _ = try GatewayConfig.parse(yaml: yaml + "\nplatforms: { p: { type: simulated, script: connect } }", source: "g.yaml", environment: [:])
                Issue.record("accepted: \(yaml)")
            } catch {
                #expect(error.description.contains(expected), "\(error.description)")
            }
        }
    }
}
