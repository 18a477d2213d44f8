import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewaySimulated
@testable import GatewayDaemon
@testable import GatewayRuntime

@Suite("Simulated script")
struct SimulatedScriptTests {
    @Test("steps expand per attempt, and the last one repeats")
    func parse() throws {
        let script = try SimulatedScript(parsing: "fail network x3, then connect, drop after 8s with auth, then retry-after 1m, hang")
        #expect(script.steps == [
            .fail(.network), .fail(.network), .fail(.network),
            .connect(dropAfterMillis: 8_000, dropClass: .auth), .retryAfter(millis: 60_000), .hang,
        ])
        #expect(script.step(forAttempt: 100) == .hang)
    }

    @Test("'repeat' starts the script over: a platform that flaps forever")
    func repeats() throws {
        let script = try SimulatedScript(parsing: "connect, drop after 50ms, fail network, then repeat")
        #expect(script.cycles)
        #expect(script.steps == [.connect(dropAfterMillis: 50, dropClass: .network), .fail(.network)])
        #expect((0..<5).map(script.step(forAttempt:)) == [
            .connect(dropAfterMillis: 50, dropClass: .network), .fail(.network),
            .connect(dropAfterMillis: 50, dropClass: .network), .fail(.network),
            .connect(dropAfterMillis: 50, dropClass: .network),
        ])
        let plain = try SimulatedScript(parsing: "fail network, connect")
        #expect(!plain.cycles)
        #expect(plain.step(forAttempt: 7) == .connect(dropAfterMillis: nil, dropClass: .network))
    }

    @Test("mistakes name the step and what was expected", arguments: [
        ("", "the script is empty"),
        ("explode", "unknown step 'explode'"),
        ("drop after 5s", "must follow a 'connect' step"),
        ("fail gremlins", "unknown failure class 'gremlins'"),
        ("fail network x0", "repeat as xN"),
        ("connect, drop after soon", "'soon' is not a duration"),
        ("retry-after 30", "'30' is not a duration"),
        ("repeat", "'repeat' needs steps before it"),
        ("connect, repeat, fail network", "'repeat' must be the last step"),
        ("connect, repeat twice", "unknown step 'repeat twice'"),
    ])
    func errors(text: String, expected: String) {
        #expect(throws: ScriptError.self) { try SimulatedScript(parsing: text) }
        do { _ = try SimulatedScript(parsing: text) } catch { #expect(error.description.contains(expected), "\(error)") }
    }

    @Test("a bad script is a configuration error with its key path and line")
    func configError() {
        let yaml = "platforms:\n  lab:\n    type: simulated\n    script: \"fail nework x3\"\n"
        do {
            _ = try GatewayConfig.parse(yaml: yaml, source: "g.yaml", environment: [:])
            Issue.record("expected a ConfigError")
        } catch {
            #expect(error.description.hasPrefix("g.yaml:4: platforms.lab.script: "), "\(error)")
            #expect(error.description.contains("unknown failure class 'nework'"))
        }
    }
}
