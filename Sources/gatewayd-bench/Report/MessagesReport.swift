import GatewayCore
import GatewayRuntime
import Foundation

/// The `messages` section of BENCHMARKS.md: enqueue throughput as ratios against single enqueues, and flush rates.
enum MessagesReport {
    static let intro = """
        ## Messages: durable enqueue and outbox flush

        Enqueue throughput: N messages queued one by one (each its own transaction) against the same N in batches
        (one transaction per batch), at both durability settings; single enqueue is the baseline. Flush rate: N
        messages queued while the platform is down, then a gateway starts on the real clock and flushes them, once
        through the real Telegram adapter to a loopback server speaking the Bot API (paced by the adapter's limits),
        once through the simulated adapter (no network, no pacing: the store and flusher overhead alone).
        """

    static func render(enqueue: [EnqueueMeasure], paced: FlushMeasure, unpaced: FlushMeasure, command: String) -> String {
        var lines = [
            "| synchronous | enqueue | messages | time | messages/s | × single (same synchronous) |",
            "|---|---|---|---|---|---|",
        ]
        for measure in enqueue {
            let baseline = enqueue.first { $0.sync == measure.sync && $0.batch == nil }
            let label = measure.batch.map { "batches of \(Stats.grouped($0)) (one transaction each)" } ?? "single (one transaction each) — baseline"
            lines.append(
                "| \(measure.sync) | \(label) | \(Stats.grouped(measure.count)) | \(Stats.seconds(measure.seconds)) | "
                    + "\(Stats.grouped(Int(measure.perSecond.rounded()))) | \(Report.ratio(measure.perSecond, baseline?.perSecond)) |")
        }
        lines += [
            "",
            "| flush (outbox → platform, after a reconnect) | messages | first → last sent | messages/s | reconnect → last sent |",
            "|---|---|---|---|---|",
        ]
        for flush in [paced, unpaced] {
            lines.append(
                "| \(flush.label) | \(Stats.grouped(flush.count)) | \(Stats.seconds(flush.flushSeconds)) | "
                    + "\(Stats.grouped(Int(flush.perSecond.rounded()))) | \(Stats.seconds(flush.totalSeconds)) |")
        }
        return lines.joined(separator: "\n") + """


            Reproduce: `\(command)`. Enqueue goes through the public path (`DeliveryRouter.enqueue`: validation, then
            the store) on a fresh WAL database file per row. `NORMAL` is gatewayd's default (a commit appends to the
            WAL without an fsync: durable across a process crash, a power loss may lose the last commits); `FULL`
            fsyncs the WAL on every commit. A batch is all or nothing (`Store.enqueue(_:)`, `POST /v1/messages` with a
            JSON array, `gatewayd send --lines`). The paced flush is bounded by the Telegram adapter's own limits
            (30 messages/s overall; one chat alone gets 1/s), not by gatewayd; the unpaced row is what the store and
            the flusher cost per message: two durable transactions each (`sending` before the call, `sent` after).
            Rates are taken from the outbox's `sent_at` times (ms).

            """
    }
}
