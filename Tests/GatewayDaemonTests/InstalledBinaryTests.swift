import Foundation
import GatewayStore
import Testing

/// The built `gatewayd` next to this test bundle (SwiftPM puts products and test bundles in one folder).
func builtGatewayd() -> URL? {
    var dir = Bundle.main.bundleURL
    for _ in 0..<4 {
        let candidate = dir.appending(path: "gatewayd")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    return nil
}

@Suite("Installed binary")
struct InstalledBinaryTests {
    @Test("a gatewayd copied anywhere migrates a fresh database: migrations are embedded, no resource bundle")
    func copiedBinaryMigrates() throws {
        let built = try #require(builtGatewayd(), "build the gatewayd product first (swift build)")
        let dir = FileManager.default.temporaryDirectory.appending(path: "gatewayd-install-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let installed = dir.appending(path: "gatewayd")
        try FileManager.default.copyItem(at: built, to: installed)
        // Nothing beside the copy: no bundle, no migrations folder.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["gatewayd"])

        let process = Process()
        process.executableURL = installed
        process.arguments = ["migrate", "--db", "fresh.db"]
        process.currentDirectoryURL = dir
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        // A child forked by another test at the moment of the copy may briefly hold the new file open for writing
        // ("Text file busy"): retry the exec a few times.
        for attempt in 1...50 {
            do {
                try process.run()
                break
            } catch where attempt < 50 && "\(error)".contains("Text file busy") {
                usleep(100_000)
            }
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("schema version \(Store.schemaVersion)") && Store.schemaVersion >= 4)

        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        check.arguments = [dir.appending(path: "fresh.db").path, "select count(*) from sqlite_schema where name in ('platforms','reconnect_queue','platform_events')"]
        let checkOutput = Pipe()
        check.standardOutput = checkOutput
        try check.run()
        let tables = String(decoding: checkOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        #expect(tables.trimmingCharacters(in: .whitespacesAndNewlines) == "3")
    }
}
