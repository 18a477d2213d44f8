import AsyncHTTPClient
import Foundation
import NIOCore

/// The daemon the `load` scenario measures: a real `gatewayd run` (release build) in its own process, with three
/// Telegram bots on one loopback Bot API server (`LoopbackTelegram`, in this process), its HTTP face on a free
/// loopback port (`127.0.0.1:0`, the port read from its log) and a bearer token, so the token check is in every
/// measured request. Secrets reach it through the environment, as in production (`${VAR}` in the config).
@MainActor
final class LoadDaemon {
    static let platforms = ["tg-a", "tg-b", "tg-c"]

    let database: String
    let logFile: URL
    let token = "load-" + UUID().uuidString
    let child: ChildProcess
    let port: Int
    /// From the process start to `/readyz` answering 200 and every platform connected.
    let readySeconds: Double
    private let server: LoopbackTelegram

    init(gatewayd: String, directory: URL) async throws {
        database = directory.appending(path: "load.db").path
        logFile = directory.appending(path: "gatewayd.log")
        let bots = Self.platforms.map { _ in "\(Int.random(in: 100_000...999_999)):load-" + UUID().uuidString }
        let server = try await LoopbackTelegram(tokens: Set(bots))
        var yaml = """
            when_all_failed: stay
            http: { listen: "127.0.0.1:0", token: ${GATEWAYD_HTTP_TOKEN} }
            platforms:

            """
        var environment = ["GATEWAYD_HTTP_TOKEN": token]
        for (index, name) in Self.platforms.enumerated() {
            let variable = "LOAD_BOT_TOKEN_\(index)"
            environment[variable] = bots[index]
            yaml += "  \(name): { type: telegram, token: ${\(variable)}, api_base: \"\(server.apiBase)\", poll_timeout: 10s, request_timeout: 10s }\n"
        }
        let config = directory.appending(path: "load.yaml")
        let child: ChildProcess
        do {
            try yaml.write(to: config, atomically: true, encoding: .utf8)
            child = try ChildProcess(
                gatewayd, ["run", "--config", config.path, "--db", database, "--log-level", "info"],
                environment: environment, stderr: logFile)
        } catch {
            await server.stop()
            throw error
        }
        do {
            port = try await Self.listeningPort(logFile, child: child)
            try await Self.waitReady(port: port, token: token, database: database, child: child)
        } catch {
            child.stop()
            await server.stop()
            throw error
        }
        readySeconds = (ContinuousClock.now - child.started).seconds
        self.child = child
        self.server = server
    }

    /// How many `sendMessage` calls the loopback server answered (the flusher's sends during the run).
    var sentToPlatforms: Int { server.sent }

    /// SIGTERM (waiting for the exit), then the loopback server; returns the daemon's exit status.
    func stop() async -> Int32 {
        child.stop()
        await server.stop()
        return child.process.terminationStatus
    }

    /// The daemon's log lines at warning level or above (logfmt: `level=warning`, `level=error`, `level=critical`).
    func complaints() -> [String] {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init).filter {
            $0.contains("level=warning") || $0.contains("level=error") || $0.contains("level=critical")
        }
    }

    /// The status of `GET path` (with the token unless `authorized` is false), or nil when nothing answered.
    static func get(_ path: String, port: Int, token: String, authorized: Bool = true) async -> Int? {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        if authorized { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(2)) else { return nil }
        _ = try? await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    /// The port from the `http face listening … http.port=N` log line.
    private static func listeningPort(_ log: URL, child: ChildProcess) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: "http.port="), let port = Int(text[range.upperBound...].prefix { $0.isNumber }) {
                return port
            }
            guard child.process.isRunning else {
                throw ProcessScenarios.Failed(description: "gatewayd exited before it listened: \(text.suffix(1_000))")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw ProcessScenarios.Failed(description: "gatewayd did not log its HTTP port within 30 s")
    }

    /// `/readyz` answers 200, then every platform is `connected` (read-only, from the database file).
    private static func waitReady(port: Int, token: String, database: String, child: ChildProcess) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while await get("/readyz", port: port, token: token) != 200 {
            guard ContinuousClock.now < deadline, child.process.isRunning else {
                throw ProcessScenarios.Failed(description: "gatewayd did not become ready (/readyz)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let probe = try BenchDatabase(path: database, readOnly: true)
        let query = "SELECT count(*) FROM platforms WHERE state = 'connected'"
        while (try? OutboxAudit.count(probe, query)) != platforms.count {
            guard ContinuousClock.now < deadline, child.process.isRunning else {
                throw ProcessScenarios.Failed(description: "gatewayd did not connect its \(platforms.count) platforms")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
