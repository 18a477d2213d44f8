import Foundation

/// After one wrk case: does the outbox hold exactly the messages the daemon accepted? Read from the database file
/// (read-only), by the case's keys (every key starts with `<prefix>-`, every text is `load <its key>`).
///
/// - accepted: 202 answers × messages per request; the answers' bodies must name as many outbox ids.
/// - lost: accepted messages whose id is not a row of this case (also when two answers named the same id).
/// - duplicated: rows repeating another row's text, plus rows no answer named beyond what the unanswered requests
///   can explain.
/// - stored without an answer read: wrk stops with requests in flight on every connection and never reads their
///   answers; the daemon may have committed them. At most (requests sent − answers read) × messages per request.
struct OutboxAudit: Sendable {
    var accepted = 0
    var namedIDs = 0
    var rows = 0
    var lost = 0
    var duplicated = 0
    var storedUnanswered = 0
    var unansweredRequests = 0
    /// Rows whose text is not `load <its idempotency key>`.
    var mismatched = 0
    /// What does not add up, in words (empty: everything does).
    var problems: [String] = []

    /// The case's rows; waits until their count has not changed for 500 ms (in-flight requests finish first).
    @MainActor
    static func measure(_ wrkCase: WrkCase, result: WrkResult, database: BenchDatabase) async throws -> OutboxAudit {
        let pattern = [wrkCase.prefix + "-*"]
        var rows = -1
        while true {
            try await Task.sleep(for: .milliseconds(500))
            let now = try Self.count(database, "SELECT count(*) FROM outbox WHERE idempotency_key GLOB ?1", pattern)
            if now == rows { break }
            rows = now
        }
        var audit = OutboxAudit()
        audit.rows = rows
        let stored = Set(try database.integers("SELECT id FROM outbox WHERE idempotency_key GLOB ?1", pattern).compactMap { $0.first ?? nil })
        let shape = try database.integers(
            """
            SELECT count(DISTINCT text), coalesce(sum(text != 'load ' || idempotency_key), 0)
            FROM outbox WHERE idempotency_key GLOB ?1
            """, pattern)
        let distinctTexts = Int(shape.first?[0] ?? 0), mismatched = Int(shape.first?[1] ?? 0)

        audit.accepted = (result.statuses[202] ?? 0) * wrkCase.size
        audit.namedIDs = result.ids.count
        let named = Set(result.ids)
        let found = named.intersection(stored).count
        audit.lost = audit.accepted - found
        audit.unansweredRequests = max(0, result.sent - result.statuses.values.reduce(0, +))
        audit.storedUnanswered = stored.count - found
        let explainable = audit.unansweredRequests * wrkCase.size
        audit.duplicated = (rows - distinctTexts) + max(0, audit.storedUnanswered - explainable)
        audit.mismatched = mismatched

        if audit.namedIDs != audit.accepted {
            audit.problems.append("the 202 answers named \(audit.namedIDs) ids for \(audit.accepted) accepted messages")
        }
        if named.count != audit.namedIDs { audit.problems.append("\(audit.namedIDs - named.count) ids were named by two answers") }
        if audit.lost != 0 { audit.problems.append("\(audit.lost) accepted messages have no row of their own") }
        if audit.duplicated != 0 { audit.problems.append("\(audit.duplicated) rows are duplicates or from no request") }
        if mismatched != 0 { audit.problems.append("\(mismatched) rows hold a text that is not their key's") }
        if audit.storedUnanswered % max(wrkCase.size, 1) != 0 {
            audit.problems.append("\(audit.storedUnanswered) rows without an answer are not whole batches of \(wrkCase.size)")
        }
        return audit
    }

    static func count(_ database: BenchDatabase, _ sql: String, _ texts: [String] = []) throws -> Int {
        Int(try database.integers(sql, texts).first?.first.flatMap { $0 } ?? 0)
    }
}
