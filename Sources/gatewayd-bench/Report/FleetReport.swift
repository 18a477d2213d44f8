import Foundation

/// The fleet section: PostgreSQL against SQLite for one durable transition, and concurrent claims.
enum FleetReport {
    static func render(_ r: FleetResult, spec: FleetSpec, command: String) -> String {
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

            Not measured yet: failover time against the lease length on a running fleet (the daemons do not supervise on
            PostgreSQL yet); the lease keeper's rule, tested on a manual clock, is that a cut-off daemon stops a platform
            at its last renewal's send time + lease − safety margin and another daemon takes it at the database's lease
            end (15 s lease: +12 s and +15 s).

            Reproduce: `\(command)`.

            """
    }
}
