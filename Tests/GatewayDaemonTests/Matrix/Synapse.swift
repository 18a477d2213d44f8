import AsyncHTTPClient
import Crypto
import Foundation
import Glibc
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// A real Matrix homeserver for tests: Synapse from PyPI in `.build/synapse` (scripts/test installs it), run as a
/// child process this object owns, on SQLite in a temporary directory, one plain-HTTP client listener on a free
/// loopback port, no federation. It can be SIGKILLed and started again on the same port with the same data.
final class Synapse: Sendable {
    /// The package root (this file is Tests/GatewayDaemonTests/Matrix/Synapse.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let python = root.appending(path: ".build/synapse/bin/python").path
    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: python) }
    static let missing = "Synapse is not installed in .build/synapse: run scripts/test (it installs matrix-synapse from PyPI there)"

    let directory: URL
    let port: Int
    let sharedSecret = "gatewayd-test-registration-secret"
    private let pid = Mutex<pid_t?>(nil)

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Writes the config, generates the signing key and starts the server. With `messageRate`, `rc_message` is that
    /// many per second (burst as many): for tests that want a 429; else every rate limit is raised out of reach.
    init(messageRate: Int? = nil) async throws {
        guard Self.isInstalled else { throw SynapseError(Self.missing) }
        directory = FileManager.default.temporaryDirectory.appending(path: "gatewayd-synapse-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try freeLoopbackPort()
        try configText(messageRate: messageRate).write(to: directory.appending(path: "homeserver.yaml"), atomically: true, encoding: .utf8)
        try logConfigText().write(to: directory.appending(path: "log.yaml"), atomically: true, encoding: .utf8)
        try await runToEnd(["-m", "synapse.app.homeserver", "--config-path", config, "--generate-keys"])
        try await start()
    }

    deinit { shutdown() }

    /// Kills the server and removes its directory (data, logs).
    func shutdown() {
        kill9()
        try? FileManager.default.removeItem(at: directory)
    }

    private var config: String { directory.appending(path: "homeserver.yaml").path }

    /// Starts Synapse and waits (bounded) until `/_matrix/client/versions` answers. While the port is taken — a
    /// client's connection elsewhere can hold it as its ephemeral source port while the server is down — it tries again.
    func start() async throws {
        let deadline = ContinuousClock.now + .seconds(90)
        while true {
            let logged = log.utf8.count
            do {
                return try await startOnce(until: deadline)
            } catch is SynapseError where ContinuousClock.now < deadline
                && String(decoding: log.utf8.dropFirst(logged), as: UTF8.self).contains("Address already in use") {
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    private func startOnce(until deadline: ContinuousClock.Instant) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        // The server dies with the test process, whatever happens to it: a thread beside it kills it once its parent
        // is gone (the test process's pid is no longer its parent). Same process: SIGKILL of this pid is the outage.
        process.arguments = [
            "-c",
            """
            import os, runpy, sys, threading, time
            parent = os.getppid()
            def watch():
                while os.getppid() == parent:
                    time.sleep(0.5)
                os.kill(os.getpid(), 9)
            threading.Thread(target=watch, daemon=True).start()
            sys.argv = ["synapse.app.homeserver", "--config-path", sys.argv[1]]
            runpy.run_module("synapse.app.homeserver", run_name="__main__")
            """,
            config,
        ]
        process.currentDirectoryURL = directory
        let output = directory.appending(path: "stdout.log")
        if !FileManager.default.fileExists(atPath: output.path) { _ = FileManager.default.createFile(atPath: output.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: output)
        try handle.seekToEnd()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        try? handle.close()
        pid.withLock { $0 = process.processIdentifier }
        try await waitUntil("Synapse answers /_matrix/client/versions on port \(port)", timeout: deadline - .now, every: .milliseconds(50)) {
            guard process.isRunning else {
                throw SynapseError("Synapse exited (status \(process.terminationStatus)): \(log.suffix(2_000))")
            }
            return (try? await http(.GET, "\(baseURL)/_matrix/client/versions"))?.status == 200
        }
    }

    /// SIGKILL, then reaps the process; returns once the port refuses.
    func kill9() {
        guard let pid = pid.withLock({ pid -> pid_t? in defer { pid = nil }; return pid }) else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        for _ in 0..<200 where Ngircd.accepts(port: port) { usleep(10_000) }
    }

    var log: String {
        ["stdout.log", "homeserver.log"].map {
            (try? String(contentsOf: directory.appending(path: $0), encoding: .utf8)) ?? ""
        }.joined(separator: "\n")
    }

    /// How many `GET /account/whoami` requests Synapse has served (its access log; one line per finished request).
    var whoamiCount: Int {
        let text = (try? String(contentsOf: directory.appending(path: "access.log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { $0.contains("/_matrix/client/v3/account/whoami") }.count
    }

    // MARK: - Users and rooms

    struct User: Sendable {
        let userID: String
        let accessToken: String
        let deviceID: String
    }

    /// Registers `name` through the shared-secret admin API (`/_synapse/admin/v1/register`, HMAC-SHA1 over
    /// nonce, user, password, "notadmin"); its answer carries an access token (a fresh device).
    func register(_ name: String) async throws -> User {
        let nonceReply = try await http(.GET, "\(baseURL)/_synapse/admin/v1/register")
        let nonce = try #require(try json(nonceReply.body)["nonce"] as? String, "no nonce: \(nonceReply.body)")
        let password = "pw-\(name)-\(UUID().uuidString.prefix(8))"
        let message = Array("\(nonce)\0\(name)\0\(password)\0notadmin".utf8)
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: Array(sharedSecret.utf8)))
        let hex = mac.map { String(format: "%02x", $0) }.joined()
        let body = try jsonText(["nonce": nonce, "username": name, "password": password, "admin": false, "mac": hex])
        let reply = try await http(.POST, "\(baseURL)/_synapse/admin/v1/register", body: body)
        let fields = try json(reply.body)
        guard reply.status == 200, let user = fields["user_id"] as? String, let token = fields["access_token"] as? String,
              let device = fields["device_id"] as? String
        else { throw SynapseError("register \(name): \(reply.status) \(reply.body)") }
        return User(userID: user, accessToken: token, deviceID: device)
    }

    /// `owner` creates a room (with `alias` as its local alias when given) and invites `invite`; returns its id.
    func createRoom(owner: User, alias: String? = nil, name: String? = nil, invite: [User] = []) async throws -> String {
        var body: [String: Any] = ["invite": invite.map(\.userID), "preset": "private_chat"]
        if let alias { body["room_alias_name"] = alias }
        if let name { body["name"] = name }
        let reply = try await client(owner, .POST, "/createRoom", body: body)
        return try #require(try json(reply.body)["room_id"] as? String, "createRoom: \(reply.status) \(reply.body)")
    }

    func join(_ user: User, room: String) async throws {
        let reply = try await client(user, .POST, "/join/\(encode(room))", body: [:])
        guard reply.status == 200 else { throw SynapseError("join \(room): \(reply.status) \(reply.body)") }
    }

    /// `user` posts `text` into `room`; returns the event id.
    @discardableResult
    func post(_ user: User, room: String, text: String) async throws -> String {
        let reply = try await client(
            user, .PUT, "/rooms/\(encode(room))/send/m.room.message/t-\(UUID().uuidString)", body: ["msgtype": "m.text", "body": text])
        return try #require(try json(reply.body)["event_id"] as? String, "send: \(reply.status) \(reply.body)")
    }

    /// Every `m.room.message` in `room` as `reader` sees it, oldest first: (sender, body, event id).
    func messages(in room: String, reader: User) async throws -> [(sender: String, body: String, id: String)] {
        let filter = encode(#"{"types":["m.room.message"]}"#)
        var result: [(sender: String, body: String, id: String)] = []
        var from: String?
        repeat {
            let reply = try await client(
                reader, .GET, "/rooms/\(encode(room))/messages?dir=f&limit=500&filter=\(filter)\(from.map { "&from=\(encode($0))" } ?? "")")
            guard reply.status == 200 else { throw SynapseError("messages: \(reply.status) \(reply.body)") }
            let fields = try json(reply.body)
            let chunk = fields["chunk"] as? [[String: Any]] ?? []
            for event in chunk {
                guard let sender = event["sender"] as? String, let id = event["event_id"] as? String,
                      let body = (event["content"] as? [String: Any])?["body"] as? String
                else { continue }
                result.append((sender, body, id))
            }
            from = chunk.isEmpty ? nil : fields["end"] as? String
        } while from != nil
        return result
    }

    /// One authenticated client-server API call as `user` (`path` below `/_matrix/client/v3`).
    func client(_ user: User, _ method: HTTPMethod, _ path: String, body: [String: Any]? = nil) async throws -> HTTPReply {
        try await http(
            method, "\(baseURL)/_matrix/client/v3\(path)", body: try body.map(jsonText),
            headers: ["Authorization": "Bearer \(user.accessToken)"])
    }

    // MARK: - Files and processes

    private func runToEnd(_ arguments: [String]) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let exited = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in exited.continuation.finish() }
        try process.run()
        for await _ in exited.stream {}
        guard process.terminationStatus == 0 else {
            throw SynapseError("\(Self.python) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
    }

    private func configText(messageRate: Int?) -> String {
        let dir = directory.path
        let high = "{per_second: 10000, burst_count: 10000}"
        let message = messageRate.map { "{per_second: \($0), burst_count: \($0)}" } ?? high
        return """
            server_name: "localhost"
            pid_file: \(dir)/homeserver.pid
            listeners:
              - port: \(port)
                bind_addresses: ['127.0.0.1']
                type: http
                tls: false
                x_forwarded: false
                resources:
                  - names: [client]
                    compress: false
            database:
              name: sqlite3
              args:
                database: \(dir)/homeserver.db
            log_config: \(dir)/log.yaml
            media_store_path: \(dir)/media
            signing_key_path: \(dir)/signing.key
            registration_shared_secret: "\(sharedSecret)"
            enable_registration: false
            report_stats: false
            federation_domain_whitelist: []
            trusted_key_servers: []
            suppress_key_server_warning: true
            presence:
              enabled: false
            rc_message: \(message)
            rc_login:
              address: \(high)
              account: \(high)
              failed_attempts: \(high)
            rc_registration: \(high)
            rc_joins:
              local: \(high)
              remote: \(high)
            rc_joins_per_room: \(high)
            rc_invites:
              per_room: \(high)
              per_user: \(high)
              per_issuer: \(high)
            rc_admin_redaction: \(high)

            """
    }

    private func logConfigText() -> String {
        let dir = directory.path
        return """
            version: 1
            formatters:
              precise: {format: '%(asctime)s - %(name)s - %(levelname)s - %(message)s'}
            handlers:
              file: {class: logging.FileHandler, formatter: precise, filename: \(dir)/homeserver.log}
              access: {class: logging.FileHandler, formatter: precise, filename: \(dir)/access.log}
            loggers:
              synapse.access.http:
                level: INFO
                handlers: [access]
                propagate: false
            root: {level: WARNING, handlers: [file]}
            disable_existing_loggers: false

            """
    }
}

struct SynapseError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Percent-encodes a path segment or query value (room ids hold `!` and `:`, aliases `#`).
func encode(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? text
}

func json(_ text: String) throws -> [String: Any] {
    (try JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
}

func jsonText(_ value: [String: Any]) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: value), as: UTF8.self)
}

/// One Synapse per test process for the tests that neither kill nor restart it (each registers its own users and
/// rooms): ~2 s of start-up paid once.
actor SharedSynapse {
    static let instance = SharedSynapse()
    private var synapse: Synapse?

    func get() async throws -> Synapse {
        if let synapse { return synapse }
        let started = try await Synapse()
        synapse = started
        return started
    }
}

/// A bot and a user in one fresh room of `synapse`: the bot invited (it joins through its `rooms:`), the user in it.
struct MatrixRoomFixture: Sendable {
    let bot: Synapse.User
    let user: Synapse.User
    let room: String
    let alias: String

    static func make(on synapse: Synapse, joinBot: Bool = false) async throws -> MatrixRoomFixture {
        let tag = UUID().uuidString.prefix(8).lowercased()
        let bot = try await synapse.register("bot-\(tag)")
        let user = try await synapse.register("user-\(tag)")
        let room = try await synapse.createRoom(owner: user, alias: "room-\(tag)", name: "Room \(tag)", invite: [bot])
        if joinBot { try await synapse.join(bot, room: room) }
        return MatrixRoomFixture(bot: bot, user: user, room: room, alias: "#room-\(tag):localhost")
    }
}
