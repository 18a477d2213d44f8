import Foundation
import Testing

/// A representative subset of the configuration sweep through the real binary: exit 78, exactly one `error:` line
/// naming the file, line and key path, nothing started — no log line at all (logging, the database and the HTTP
/// listener are only set up after the configuration has loaded), no database created.
@Suite("Bad configuration: the real binary", .serialized)
struct BadConfigProcessTests {
    static let subset: [ConfigMutation] = {
        let names = [
            "reconnect: cap < base", "a platform's reconnect: cap < base", "unknown platform type", "telegram: poll_timeout 99s",
            "discord: negative intents", "irc: port 70000", "irc: sasl_user without sasl_password",
            "simulated: a script that does not parse", "http: listen not host:port", "alerts: neither webhook nor command",
            "log: level loud", "inbox: retention 0s",
        ]
        let generated = [
            "platforms.tg.token: missing variable", "reconnect.base: negative", "platforms.chat.port: wrong type",
            "http.bogus_key: unknown key", "alerts.webhook: missing variable", "platforms.dc.intents: wrong type",
        ]
        return BadConfigSweepTests.semantic.filter { names.contains($0.name) }
            + BadConfigSweepTests.generated.filter { generated.contains($0.name) }
    }()

    @Test("the subset is complete")
    func subsetComplete() { #expect(Self.subset.count == 18) }

    @Test("exit 78, one line with file and key path, no log, no database", arguments: subset)
    func refused(_ mutation: ConfigMutation) async throws {
        let scratch = try Scratch("badconfig")
        defer { scratch.remove() }
        let config = try scratch.write("gatewayd.yaml", mutation.config().yaml())
        var environment = mutation.environment
        environment["GATEWAYD_SWEEP_DIR"] = scratch.dir.path
        let result = try await GatewaydProcess.run(["run", "--config", config], in: scratch.dir, environment: environment)
        #expect(result.status == 78, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "exactly one line, no log output: \(result.stderr)")
        #expect(result.stderr.hasPrefix("error: \(config):"), "\(result.stderr)")
        #expect(result.stderr.contains(": \(mutation.keyPath): "), "\(result.stderr)")
        #expect(result.stderr.contains(mutation.says), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path("gateway.db")), "no database created")
        for secret in BadConfigSweepTests.secrets { #expect(!result.stderr.contains(secret)) }
    }

    @Test("the unbroken configuration starts (the control): the database is created where it says")
    func controlStarts() async throws {
        let scratch = try Scratch("goodconfig")
        defer { scratch.remove() }
        let config = try scratch.write("gatewayd.yaml", fullConfig.yaml())
        var environment = fullEnvironment
        environment["GATEWAYD_SWEEP_DIR"] = scratch.dir.path
        let daemon = try GatewaydProcess(["run", "--config", config], in: scratch.dir, environment: environment)
        try await eventually("the database is created") { FileManager.default.fileExists(atPath: scratch.path("gateway.db")) }
        try await eventually("the daemon logs its start") { daemon.stderrSoFar.contains("daemon lease taken") }
        daemon.signal(SIGTERM)
        let result = await daemon.finish()
        #expect(result.status == 0, "\(result.stderr.suffix(1_000))")
        for secret in BadConfigSweepTests.secrets { #expect(!result.stderr.contains(secret)) }
    }
}
