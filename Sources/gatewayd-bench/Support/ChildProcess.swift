import GatewayCore
import GatewayRuntime
import Foundation

/// A process the benchmark starts and measures from outside, through /proc: CPU time and resident memory.
final class ChildProcess {
    let process = Process()
    let started: ContinuousClock.Instant
    private let output = Pipe()

    /// Starts `executable`; `environment` is added to this process's own, and with `stderr` the child's standard
    /// error is written to that file (else it is discarded).
    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], stderr: URL? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardOutput = output
        var log: FileHandle?
        if let stderr {
            guard FileManager.default.createFile(atPath: stderr.path, contents: nil) else {
                throw ProcessScenarios.Failed(description: "cannot create \(stderr.path)")
            }
            log = try FileHandle(forWritingTo: stderr)
        }
        process.standardError = log ?? FileHandle.nullDevice
        started = ContinuousClock.now
        try process.run()
        try? log?.close()  // the child has its own copy
    }

    var pid: Int32 { process.processIdentifier }

    /// User + system CPU time so far, in seconds (/proc/PID/stat fields 14 and 15).
    func cpuSeconds() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command name: field 3 is at index 0, so utime (14) is at 11 and stime (15) at 12.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// (VmRSS, VmHWM) in KiB, from /proc/PID/status.
    func memoryKiB() -> (rss: Int, peak: Int)? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func value(_ key: String) -> Int? {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return nil }
            return Int(line.split(separator: " ").dropFirst().first ?? "")
        }
        guard let rss = value("VmRSS"), let peak = value("VmHWM") else { return nil }
        return (rss, peak)
    }

    /// Blocks until the child writes a line equal to `line` on stdout (or exits); returns the time since start.
    func waitForLine(_ line: String) -> Duration? {
        var buffer = Data()
        let handle = output.fileHandleForReading
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
            if let text = String(data: buffer, encoding: .utf8), text.split(separator: "\n").contains(Substring(line)) {
                return ContinuousClock.now - started
            }
        }
    }

    /// SIGTERM, then wait for the exit.
    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

/// CPU time used on the whole machine so far (every process), in seconds: the busy fields of /proc/stat's `cpu` line
/// (user, nice, system, irq, softirq, steal; not idle or iowait).
func machineCPUSeconds() -> Double? {
    guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
        let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ")
    else { return nil }
    let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
    guard ticks.count >= 8 else { return nil }
    let busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]
    return busy / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// Polls (every 2 ms, bounded) until `condition` holds; returns whether it did.
func poll(timeout: Duration, _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        usleep(2_000)
    }
    return false
}
