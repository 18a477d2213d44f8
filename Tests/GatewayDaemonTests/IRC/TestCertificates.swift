import Foundation

/// A throwaway CA and a server certificate for `localhost` / 127.0.0.1, made with the `openssl` command line tool.
struct TestCertificates {
    static let openssl = "/usr/bin/openssl"
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: openssl) }

    let directory: URL
    var caFile: String { directory.appending(path: "ca.pem").path }
    var certificateFile: String { directory.appending(path: "server.pem").path }
    var keyFile: String { directory.appending(path: "server.key").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appending(path: "gatewayd-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let extensions = directory.appending(path: "server.ext")
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
            .write(to: extensions, atomically: true, encoding: .utf8)
        let dir = directory.path
        try Self.run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(dir)/ca.key", "-out", caFile, "-days", "2",
                      "-subj", "/CN=gatewayd test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                      "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        try Self.run(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", "\(dir)/server.csr", "-subj", "/CN=localhost"])
        try Self.run(["x509", "-req", "-in", "\(dir)/server.csr", "-CA", caFile, "-CAkey", "\(dir)/ca.key", "-CAcreateserial",
                      "-out", certificateFile, "-days", "2", "-extfile", extensions.path])
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    private static func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw NgircdError("openssl \(arguments.first ?? "") failed") }
    }
}
