import Foundation

/// The fleet section: PostgreSQL against SQLite for one durable transition, and concurrent claims.
enum FleetReport {
    static func render(
        _ r: FleetResult, spec: FleetSpec, failover: FailoverResult, failoverSpec: FailoverSpec, command: String
    ) -> String {
        func cell(_ values: [Double], _ p: Double) -> String { Stats.percentile(values, p).map { Stats.micros(nanos: $0) } ?? "—" }
        let sqlite50 = Stats.percentile(r.sqliteCycleNanos, 50), postgres50 = Stats.percentile(r.postgresCycleNanos, 50)
        let rate = r.claimSeconds > 0 ? Double(r.claimed) / r.claimSeconds : 0
        return """
            | one durable transition at \(Stats.grouped(spec.platforms)) platforms: claim the soonest due row + record its failure (2 transactions, each with its event), \(spec.samples) samples | p50 | p99 |
            |---|---|---|
            | SQLite (`Store`, WAL, synchronous=NORMAL, a local file) | \(cell(r.sqliteCycleNanos, 50)) | \(cell(r.sqliteCycleNanos, 99)) |
            | PostgreSQL (`FleetQueue`: the daemon's own rows, owner lease checked under `FOR UPDATE`; loopback, default server settings) | \(cell(r.postgresCycleNanos, 50)) | \(cell(r.postgresCycleNanos, 99)) |
            | PostgreSQL ÷ SQLite | \(Report.ratio(postgres50, sqlite50)) | |

            | \(spec.daemons) daemons claim \(Stats.grouped(spec.platforms)) free platforms at once, \(spec.bite) per claim (`FOR UPDATE SKIP LOCKED`) | |
            |---|---|
            | all claimed in | \(Stats.seconds(r.claimSeconds)) (\(Stats.grouped(Int(rate.rounded()))) platforms/s, \(r.claimCalls) claims) |
            | claimed / claimed twice | \(Stats.grouped(r.claimed)) / \(r.duplicates) |
            | per daemon | \(r.perDaemon.map { Stats.grouped($0) }.joined(separator: ", ")) |

            | failover: 2 `gatewayd run` processes share \(failoverSpec.platforms) simulated platforms; the owner of more is killed (SIGKILL); from the kill until the last of its platforms is connected on the other, \(failoverSpec.runs) runs per lease | median | max | max ÷ lease |
            |---|---|---|---|
            \(failoverRows(failover))

            The killed daemon's lease ends a lease after its last renewal, which came at most a third of the lease
            before the kill; the survivor looks again exactly then (the claim's `nextFreeAt`). So the failover lies
            between ⅔ of the lease and the lease, plus one connect.

            Reproduce: `\(command)`.

            """
    }

    private static func failoverRows(_ r: FailoverResult) -> String {
        r.runs.map { lease, millis in
            let median = Stats.percentile(millis, 50), max = millis.max()
            return "| lease \(Stats.seconds(Double(lease) / 1_000)) | \(median.map { Stats.seconds($0 / 1_000) } ?? "—") | "
                + "\(max.map { Stats.seconds($0 / 1_000) } ?? "—") | \(max.map { String(format: "%.2f", $0 / Double(lease)) } ?? "—") |"
        }.joined(separator: "\n")
    }
}
