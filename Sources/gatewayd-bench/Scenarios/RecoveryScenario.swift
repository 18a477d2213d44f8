import GatewayCore
import Foundation

/// Recovery on real sockets: a real `gatewayd run` with N Telegram bots whose Bot API endpoint (one loopback port)
/// refuses connections; once every bot has failed and the endpoint has been probed, a Bot API server starts on
/// that port. Measured: from the server's start to the last bot connected (the `connected` events' times, the
/// daemon's own clock, against the wall time the server was listening).
struct RecoverySpec: Sendable {
    var platforms = 10
    var runs = 5
    /// The server starts this long after every bot has failed once (so the outage is not a first-attempt race).
    var downSeconds = 8
    /// `reconnect:` for the bots (`probe: off` is the baseline without the probe).
    var reconnect = "{}"
}

struct RecoveryResult: Sendable {
    var spec: RecoverySpec
    /// Per run: server start → last bot connected, ms.
    var lastConnected: [Int64]
    /// Per run: server start → first bot connected, ms.
    var firstConnected: [Int64]
    /// Per run: probes recorded at the endpoint by then.
    var probes: [Int64]
    /// Per run: getMe calls the server answered (logins), which must be one per bot.
    var logins: [Int]
}

enum RecoveryScenario {
    static func run(_ spec: RecoverySpec, gatewayd: String, directory: URL) async throws -> RecoveryResult {
        var result = RecoveryResult(spec: spec, lastConnected: [], firstConnected: [], probes: [], logins: [])
        for run in 0..<spec.runs {
            let times = try await once(spec, run: run, gatewayd: gatewayd, directory: directory)
            result.lastConnected.append(times.last)
            result.firstConnected.append(times.first)
            result.probes.append(times.probes)
            result.logins.append(times.logins)
        }
        return result
    }

    private static func once(
        _ spec: RecoverySpec, run: Int, gatewayd: String, directory: URL
    ) async throws -> (first: Int64, last: Int64, probes: Int64, logins: Int) {
        let port = try freeLoopbackPort()
        let database = directory.appending(path: "recovery-\(run)-\(UUID().uuidString).db").path
        let tokens = (0..<spec.platforms).map { "\(700_000 + $0):recovery-" + UUID().uuidString }
        var environment: [String: String] = [:]
        var yaml = "when_all_failed: stay\nreconnect: \(spec.reconnect)\nplatforms:\n"
        for (index, token) in tokens.enumerated() {
            environment["RECOVERY_BOT_\(index)"] = token
            yaml += "  bot\(index): { type: telegram, token: ${RECOVERY_BOT_\(index)}, api_base: \"http://127.0.0.1:\(port)\", poll_timeout: 10s }\n"
        }
        let config = directory.appending(path: "recovery-\(run).yaml")
        try yaml.write(to: config, atomically: true, encoding: .utf8)
        let child = try ChildProcess(
            gatewayd, ["run", "--config", config.path, "--db", database, "--log-level", "warning"],
            environment: environment, stderr: directory.appending(path: "recovery-\(run).log"))
        defer { child.stop() }
        let n = Int64(spec.platforms)
        let failed = poll(timeout: .seconds(60)) {
            let db = try? BenchDatabase(path: database, readOnly: true)
            return db?.firstInteger("SELECT count(*) FROM platforms WHERE state = 'backing_off' AND attempts >= 1") == n
        }
        guard failed else { throw ProcessScenarios.Failed(description: "recovery: the bots did not all fail against a closed port") }
        try await Task.sleep(for: .seconds(spec.downSeconds))
        let server = try await LoopbackTelegram(tokens: Set(tokens), port: port)
        let started = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        let back = poll(timeout: .seconds(120)) {
            let db = try? BenchDatabase(path: database, readOnly: true)
            return db?.firstInteger("SELECT count(*) FROM platforms WHERE state = 'connected'") == n
        }
        guard back else {
            await server.stop()
            throw ProcessScenarios.Failed(description: "recovery: not every bot came back within 120 s")
        }
        let db = try BenchDatabase(path: database, readOnly: true)
        let row = try db.integers(
            "SELECT min(at), max(at) FROM platform_events WHERE kind = 'connected' AND at >= \(started)").first ?? []
        let probes = db.firstInteger("SELECT coalesce(sum(probes), 0) FROM endpoint_probes") ?? 0
        guard row.count == 2, let first = row[0], let last = row[1] else {
            await server.stop()
            throw ProcessScenarios.Failed(description: "recovery: no connected events after the server started")
        }
        let logins = server.logins
        child.stop()  // the daemon first: a server cancelled while it still connects can trap (LocalServerRun's note)
        await server.stop()
        return (first - started, last - started, probes, logins)
    }

    /// A loopback port nothing listens on (bound to learn a free number, then closed).
    static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ProcessScenarios.Failed(description: "no socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw ProcessScenarios.Failed(description: "cannot bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
