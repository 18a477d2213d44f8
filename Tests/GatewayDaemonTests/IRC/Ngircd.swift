import Foundation
import Glibc
import Synchronization

/// A real IRC server for tests: Debian's ngircd, run in the foreground (`ngircd -n -f CONF`) as a child process
/// this object owns, on a free loopback port. It can be killed (-9), stopped (SIGSTOP) and restarted on the same port.
final class Ngircd: Sendable {
    static let executable = "/usr/sbin/ngircd"
    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    let directory: URL
    private let state: Mutex<(port: Int, pid: pid_t?)>
    private let password: String?
    private let tls: (certificate: String, key: String)?

    var port: Int { state.withLock { $0.port } }
    /// The TLS port, when started with a certificate.
    let tlsPort: Int?

    /// Writes a config (global `Password =` when given) and starts the server; retries on a port someone else took.
    init(password: String? = nil, tls: (certificate: String, key: String)? = nil) async throws {
        directory = FileManager.default.temporaryDirectory.appending(path: "gatewayd-ngircd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // ngircd writes its pid file after switching to ServerUID 65534.
        chmod(directory.path, 0o777)
        self.password = password
        self.tls = tls
        state = Mutex((port: 0, pid: nil))
        tlsPort = tls == nil ? nil : try freeLoopbackPort()
        var lastError: (any Error)?
        for _ in 0..<5 {
            state.withLock { $0.port = (try? freeLoopbackPort()) ?? 0 }
            do {
                try await start()
                return
            } catch {
                lastError = error
            }
        }
        throw lastError ?? NgircdError("ngircd did not start")
    }

    deinit {
        if let pid = state.withLock({ $0.pid }) {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts ngircd on ``port`` and waits until the port accepts connections (retrying while the port is still
    /// held by the previous instance).
    func start() async throws {
        let config = directory.appending(path: "ngircd.conf")
        try configText().write(to: config, atomically: true, encoding: .utf8)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let pid = try spawn(config: config.path)
            state.withLock { $0.pid = pid }
            while ContinuousClock.now < deadline {
                // ngircd itself says it listens (another test's server could hold a port we picked), and it does.
                let ports = [port] + (tlsPort.map { [$0] } ?? [])
                if ports.allSatisfy({ log.contains("listening on [127.0.0.1]:\($0) ") && Self.accepts(port: $0) }) { return }
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid || kill(pid, 0) != 0 {  // exited: the port was not free
                    state.withLock { $0.pid = nil }
                    break
                }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        throw NgircdError("ngircd did not accept connections on port \(port) within 30s; log: \(log)")
    }

    /// SIGKILL, then reaps the process.
    func kill9() {
        guard let pid = state.withLock({ state -> pid_t? in defer { state.pid = nil }; return state.pid }) else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        // Until the process is gone its listening socket may still complete handshakes.
        for _ in 0..<200 where Self.accepts(port: port) { usleep(10_000) }
    }

    /// SIGSTOP: the server keeps its sockets but answers nothing.
    func pause() { if let pid = state.withLock({ $0.pid }) { kill(pid, SIGSTOP) } }

    /// SIGCONT after ``pause()``.
    func resume() { if let pid = state.withLock({ $0.pid }) { kill(pid, SIGCONT) } }

    var log: String { (try? String(contentsOf: directory.appending(path: "ngircd.log"), encoding: .utf8)) ?? "" }

    private func configText() -> String {
        var text = """
            [Global]
            Name = irc.gatewayd.test
            Info = gatewayd test server
            Listen = 127.0.0.1
            Ports = \(port)
            PidFile = \(directory.path)/ngircd.pid
            ServerUID = 65534
            ServerGID = 65534
            MotdPhrase = "gatewayd tests"

            """
        if let password { text += "Password = \(password)\n" }
        text += """
            [Limits]
            PingTimeout = 600
            PongTimeout = 600
            MaxConnectionsIP = 0

            [Options]
            PAM = no
            DNS = no
            Ident = no

            """
        if let tls, let tlsPort {
            text += "[SSL]\nCertFile = \(tls.certificate)\nKeyFile = \(tls.key)\nPorts = \(tlsPort)\n"
        }
        return text
    }

    private func spawn(config: String) throws -> pid_t {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["-n", "-f", config]
        let logFile = directory.appending(path: "ngircd.log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logFile)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process.processIdentifier
    }

    /// Whether a TCP connect to 127.0.0.1:`port` succeeds now.
    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

struct NgircdError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
