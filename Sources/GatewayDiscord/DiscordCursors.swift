import GatewayNetworking
import GatewayCore
/// What the Discord adapter persists between attempts (and daemon restarts) through `AdapterContext` cursors.
///
/// Rows of `platform_cursors` an operator can read with `sqlite3`:
/// - `session_id`, `resume_gateway_url`, `seq`: the resumable gateway session (empty values: none);
/// - `identify_remaining`, `identify_total`, `identify_reset_at` (Unix ms): the daily IDENTIFY budget last seen in
///   `GET /gateway/bot`, minus the IDENTIFYs sent since.
///
/// None of them holds the token.
enum DiscordCursors {
    static let sessionID = "session_id"
    static let resumeURL = "resume_gateway_url"
    static let seq = "seq"
    static let identifyRemaining = "identify_remaining"
    static let identifyTotal = "identify_total"
    static let identifyResetAt = "identify_reset_at"

    /// A gateway session that can be resumed.
    struct Session: Sendable, Equatable {
        var id: String
        var resumeURL: String
        /// The last sequence number handed on (or seen); nil before the first dispatch.
        var seq: Int64?
    }

    /// The persisted session, if there is a usable one.
    static func loadSession(_ context: AdapterContext) async throws -> Session? {
        guard let id = try await context.cursor(sessionID), !id.isEmpty,
            let url = try await context.cursor(resumeURL), !url.isEmpty
        else { return nil }
        let seq = try await context.cursor(seq).flatMap { Int64($0) }
        return Session(id: id, resumeURL: url, seq: seq)
    }

    /// The values that persist `session`.
    static func values(_ session: Session) -> [String: String] {
        [sessionID: session.id, resumeURL: session.resumeURL, seq: session.seq.map(String.init) ?? ""]
    }

    /// The values that forget the session (the context has no delete: empty means none).
    static let cleared: [String: String] = [sessionID: "", resumeURL: "", seq: ""]

    /// The IDENTIFY budget from `session_start_limit`.
    struct Budget: Sendable, Equatable {
        var remaining: Int64
        var total: Int64
        /// Unix ms when `remaining` resets to `total`.
        var resetAt: Int64

        var values: [String: String] {
            [identifyRemaining: String(remaining), identifyTotal: String(total), identifyResetAt: String(resetAt)]
        }
    }
}
