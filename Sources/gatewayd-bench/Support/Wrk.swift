import Foundation

/// How wrk is run: `wrk -t<threads> -c<connections> -d<seconds>s --timeout <timeout>s --latency -s <script> <url>`.
struct WrkParameters: Sendable, Equatable {
    var executable = "/usr/bin/wrk"
    var threads = 2
    var connections = 16
    var seconds = 30
    /// A request slower than this counts as a wrk timeout and leaves the latency histogram: generous, so that a
    /// latency cliff shows as latency.
    var timeoutSeconds = 10

    var flags: String { "-t\(threads) -c\(connections) -d\(seconds)s --timeout \(timeoutSeconds)s --latency" }
}

/// What one wrk run measured, read from the `key=value` lines its script's `done` wrote (``WrkScript``).
struct WrkResult: Sendable {
    var durationSeconds = 0.0
    /// Completed requests (answers read).
    var requests = 0
    var errors: [String: Int] = [:]
    /// Latency percentiles in µs: "p50", "p90", "p99", "p99.9", "min", "max", "mean".
    var latencyMicros: [String: Double] = [:]
    /// Requests made, over all threads (the ones in flight when wrk stopped were never answered).
    var sent = 0
    /// Answers by HTTP status.
    var statuses: [Int: Int] = [:]
    /// The outbox ids named by the 202 answers, in no particular order.
    var ids: [Int64] = []
    /// wrk's own CPU time (user + system), from getrusage(RUSAGE_CHILDREN).
    var cpuSeconds = 0.0
    /// wrk's usual standard output (its own latency distribution), for a human checking the numbers.
    var output = ""

    var requestsPerSecond: Double { durationSeconds > 0 ? Double(requests) / durationSeconds : 0 }
    var socketErrors: Int { ["connect", "read", "write", "timeout"].reduce(0) { $0 + (errors[$1] ?? 0) } }

    /// Parses the script's result file; a line it does not know is an error (the script and this parser go together).
    init(results: String) throws {
        for line in results.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard let kind = words.first else { continue }
            var fields: [String: Double] = [:]
            for word in words.dropFirst() {
                let pair = word.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, let value = Double(pair[1]) else { continue }
                fields[String(pair[0])] = value
            }
            switch kind {
            case "summary":
                durationSeconds = (fields["duration_us"] ?? 0) / 1e6
                requests = Int(fields["requests"] ?? 0)
                for key in ["connect", "read", "write", "status", "timeout"] { errors[key] = Int(fields[key] ?? 0) }
            case "latency_us":
                latencyMicros = fields
            case "thread":
                sent += Int(fields["sent"] ?? 0)
            case "status":
                guard let code = fields["code"], let count = fields["count"] else { throw Self.failure(line) }
                statuses[Int(code), default: 0] += Int(count)
            case "id":
                guard words.count == 2, let id = Int64(words[1]) else { throw Self.failure(line) }
                ids.append(id)
            default:
                throw Self.failure(line)
            }
        }
        guard latencyMicros["p50"] != nil, durationSeconds > 0 else {
            throw ProcessScenarios.Failed(description: "wrk wrote no summary (\(results.prefix(200)))")
        }
    }

    private static func failure(_ line: Substring) -> ProcessScenarios.Failed {
        ProcessScenarios.Failed(description: "unexpected line in wrk's results: \(line.prefix(120))")
    }
}

/// Runs wrk once against a loopback port with a case's script.
enum Wrk {
    static func run(
        _ wrkCase: WrkCase, parameters: WrkParameters, port: Int, token: String, platforms: [String], directory: URL
    ) async throws -> WrkResult {
        let script = directory.appending(path: "wrk-\(wrkCase.prefix).lua")
        let results = directory.appending(path: "wrk-\(wrkCase.prefix).results")
        let stdout = directory.appending(path: "wrk-\(wrkCase.prefix).out")
        try WrkScript.lua(wrkCase, token: token, platforms: platforms, results: results.path)
            .write(to: script, atomically: true, encoding: .utf8)
        guard FileManager.default.createFile(atPath: stdout.path, contents: nil) else {
            throw ProcessScenarios.Failed(description: "cannot create \(stdout.path)")
        }
        let output = try FileHandle(forWritingTo: stdout)
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: parameters.executable)
        process.arguments = [
            "-t\(parameters.threads)", "-c\(parameters.connections)", "-d\(parameters.seconds)s",
            "--timeout", "\(parameters.timeoutSeconds)s", "--latency", "-s", script.path, "http://127.0.0.1:\(port)/",
        ]
        process.standardOutput = output
        process.standardError = output
        let before = childrenCPUSeconds()
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let printed = (try? String(contentsOf: stdout, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0, let text = try? String(contentsOf: results, encoding: .utf8) else {
            throw ProcessScenarios.Failed(
                description: "wrk (\(wrkCase.prefix)) exited \(process.terminationStatus) without results: \(printed.suffix(600))")
        }
        var result = try WrkResult(results: text)
        result.cpuSeconds = childrenCPUSeconds() - before
        result.output = printed
        return result
    }

    /// User + system time of the children this process has waited for (wrk, once it exited).
    private static func childrenCPUSeconds() -> Double {
        var usage = rusage()
        guard getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage) == 0 else { return 0 }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
