import Foundation

/// The `load` section of BENCHMARKS.md: wrk's throughput and latency per case, the outbox audit, memory.
enum LoadReport {
    static let intro = """
        ## HTTP load: wrk against `POST /v1/messages` and `GET /v1/status`

        A real `gatewayd run` (release build) in its own process, with its HTTP face on a free loopback port and a
        bearer token configured, so the token check is in every measured request. Its three platforms are Telegram
        bots (the real adapter) on one loopback Bot API server in the benchmark's process: every accepted message
        goes through the real outbox and flusher, which send it over HTTP while the load runs, paced by the adapter's
        own limits (30 messages/s per bot) — so the outbox grows into a backlog, as it does when a bot produces faster
        than its platform takes. (Not the simulated adapter: it keeps every message it was sent in memory, a test
        fixture that would show up as the daemon's RSS.) Each POST request goes to the next platform in turn, to 100
        chats; one wrk case after another on the same daemon and database: the status on an empty outbox, single
        messages, batches, the status again over the backlog. The first runs of this scenario found two faults,
        fixed since: `/v1/status` counted the waiting rows (30 ms at 194,000 rows, 408 ms p50 under this load; now
        one row per platform in `message_depths`, schema 7), and the flusher drained one platform's queue before it
        turned to the next, so while the first bot worked through its backlog the others sent nothing (now a drain
        per platform) — the per-platform table after the runs shows every bot sending.

        wrk 4.1 (Debian) with a Lua script the benchmark writes: every request carries its own `Idempotency-Key`
        (`<case>-t<thread>-<n>`; item i of a batch gets `…:i`), each message's text is `load <its key>`, and the
        script counts the answers by status and keeps the outbox ids the 202 answers name; its `done` writes the
        latency percentiles (wrk's own histogram, µs) and the counts as machine-readable lines. wrk is closed-loop
        (each connection sends its next request when the answer came), so latency is per request under that
        concurrency, not a fixed arrival rate. `-t2 -c16`: two wrk threads (one per core) and 16 connections, a
        modest number of concurrent clients; this is a 2-core machine and wrk shares it with the daemon (and the
        loopback Bot API server): the CPU columns show how it was split. `--timeout 10s`, so a slow answer stays in
        the latency histogram instead of becoming a wrk error.

        After each POST case the outbox (the database file, read-only) is audited by the case's keys: every message
        a 202 accepted must be a row (lost), no message may be a row twice (duplicated; rows with the same text, or
        more rows than the requests sent can explain). wrk stops with a request in flight on each connection and
        never reads those answers; what the daemon committed of them is counted apart ("stored, answer not read").
        Any mismatch is shown here and makes the benchmark exit 1.
        """

    static func render(_ r: LoadResult, command: String) -> String {
        var lines: [String] = []
        if !r.problems.isEmpty {
            lines += ["**Mismatch — these numbers do not add up:**", ""] + r.problems.map { "- \($0)" } + [""]
        }
        lines += [
            "| case (wrk \(r.spec.wrk.flags)) | requests/s | messages accepted/s | p50 | p99 | max | answers | socket errors | daemon CPU | wrk CPU | rest of the machine | daemon RSS after |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for row in r.cases {
            let wrk = row.wrk
            func latency(_ key: String) -> String {
                wrk.latencyMicros[key].map { $0 >= 1e6 ? Stats.seconds($0 / 1e6) : Stats.micros(nanos: $0 * 1_000) } ?? "—"
            }
            let accepted = row.audit.map { Stats.grouped(Int((Double($0.accepted) / wrk.durationSeconds).rounded())) } ?? "—"
            let label = row.wrkCase.mode == .status ? "\(row.wrkCase.label) (\(Stats.grouped(row.waitingBefore)) waiting)" : row.wrkCase.label
            lines.append(
                "| \(label) | \(Stats.grouped(Int(wrk.requestsPerSecond.rounded()))) | \(accepted) | \(latency("p50")) | \(latency("p99")) "
                    + "| \(latency("max")) | \(answers(wrk.statuses)) | \(socketErrors(wrk)) "
                    + "| \(percent(row.daemonCPUSeconds, row.wallSeconds)) | \(percent(wrk.cpuSeconds, row.wallSeconds)) "
                    + "| \(percent(max(0, row.machineCPUSeconds - row.daemonCPUSeconds - wrk.cpuSeconds), row.wallSeconds)) "
                    + "| \(Report.mib(row.rssKiB)) |")
        }
        lines += [
            "",
            "| outbox audit | accepted (202 × messages) | rows with the case's keys | lost | duplicated | stored, answer not read (wrk stopped mid-request) |",
            "|---|---|---|---|---|---|",
        ]
        for row in r.cases {
            guard let audit = row.audit else { continue }
            lines.append(
                "| \(row.wrkCase.label) | \(Stats.grouped(audit.accepted)) | \(Stats.grouped(audit.rows)) | \(audit.lost) | \(audit.duplicated) "
                    + "| \(audit.storedUnanswered) (of \(audit.unansweredRequests) unanswered requests) |")
        }
        lines += [
            "",
            "| daemon memory | VmRSS |",
            "|---|---|",
            "| before the runs (ready, 3 platforms connected, 2 s idle) | \(Report.mib(r.rssBeforeKiB)) |",
            "| after the runs (\(Stats.grouped(r.totalRows)) outbox rows) | \(Report.mib(r.rssAfterKiB)) |",
            "| peak (VmHWM) | \(Report.mib(r.peakKiB)) |",
            "",
            "| outbox after the runs, per platform | queued | sending | sent | failed | expired |",
            "|---|---|---|---|---|---|",
        ]
        for platform in r.outbox {
            lines.append(
                "| \(platform.platform) | \(Stats.grouped(platform.queued)) | \(platform.sending) | \(Stats.grouped(platform.sent)) "
                    + "| \(platform.failed) | \(platform.expired) |")
        }
        lines += ["", "Reproduce: `\(command)`. " + notes(r), ""]
        return lines.joined(separator: "\n") + "\n"
    }

    private static func notes(_ r: LoadResult) -> String {
        var text = "Ready (`/readyz` 200 and 3 platforms connected) \(Stats.seconds(r.readySeconds)) after the start. "
        text += "An unauthenticated `GET /v1/status` answered \(r.unauthenticated.map(String.init) ?? "nothing"). "
        let rate = r.runSeconds > 0 ? Double(r.sentToPlatforms) / r.runSeconds : 0
        text += "The loopback Bot API answered \(Stats.grouped(r.sentToPlatforms)) `sendMessage` calls in the "
            + "\(Stats.seconds(r.runSeconds)) of the runs (\(String(format: "%.1f", rate))/s, all bots together); "
        text += "connections lost during the run: \(r.disconnects); rows of no request: \(r.strayRows). "
        text += "CPU is /proc/PID/stat user+system time (daemon), getrusage of the exited wrk, and /proc/stat's busy time "
        text += "less those two (the rest of the machine: the benchmark's own process with the loopback Bot API, and "
        text += "anything else running), over the case's wall time, in % of one core (200 % = both). "
        text += "The daemon logged \(r.complaints.count) lines at warning or above"
        if let first = r.complaints.first { text += " (the first: `\(first.prefix(240))`)" }
        text += "; it exited \(r.exitStatus) on SIGTERM."
        return text
    }

    private static func answers(_ statuses: [Int: Int]) -> String {
        guard !statuses.isEmpty else { return "none" }
        return statuses.sorted { $0.key < $1.key }.map { "\($0.key) × \(Stats.grouped($0.value))" }.joined(separator: ", ")
    }

    private static func socketErrors(_ wrk: WrkResult) -> String {
        let parts = ["connect", "read", "write", "timeout"].compactMap { key in
            (wrk.errors[key] ?? 0) > 0 ? "\(key) \(wrk.errors[key] ?? 0)" : nil
        }
        return parts.isEmpty ? "0" : parts.joined(separator: ", ")
    }

    private static func percent(_ cpu: Double, _ wall: Double) -> String {
        wall > 0 ? String(format: "%.0f %%", cpu / wall * 100) : "—"
    }
}
