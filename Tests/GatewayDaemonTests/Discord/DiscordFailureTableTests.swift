import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayDiscord
@testable import GatewayDaemon
@testable import GatewayRuntime

/// `DiscordFailures`, row by row, against PROTOCOLS.md's Discord table. (The end-to-end suites drive the same rows
/// through a real socket: `DiscordCloseCodeTests`, `DiscordRESTFailureTests`.)
@Suite("Discord failure table")
struct DiscordFailureTableTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let code: Int?
        let errorClass: ErrorClass
        let session: DiscordFailure.Session
        var loud = false
        var known = true

        var testDescription: String { "\(code.map(String.init) ?? "no code") → \(errorClass.rawValue), session \(session)" }
    }

    static let closeRows: [Row] = [
        Row(code: nil, errorClass: .network, session: .keep),
        Row(code: 4000, errorClass: .network, session: .keep),
        Row(code: 4001, errorClass: .server, session: .keep, loud: true),
        Row(code: 4002, errorClass: .server, session: .keep, loud: true),
        Row(code: 4003, errorClass: .server, session: .clear),
        Row(code: 4004, errorClass: .auth, session: .clear),
        Row(code: 4005, errorClass: .server, session: .keep, loud: true),
        Row(code: 4007, errorClass: .server, session: .clear),
        Row(code: 4008, errorClass: .rateLimited, session: .keep),
        Row(code: 4009, errorClass: .server, session: .clear),
        Row(code: 4010, errorClass: .auth, session: .clear),
        Row(code: 4011, errorClass: .auth, session: .clear),
        Row(code: 4012, errorClass: .auth, session: .clear),
        Row(code: 4013, errorClass: .auth, session: .clear),
        Row(code: 4014, errorClass: .auth, session: .clear),
        // Not in the table: network, resumable, unclassified (logged at warning).
        Row(code: 1000, errorClass: .network, session: .keep, known: false),
        Row(code: 1001, errorClass: .network, session: .keep, known: false),
        Row(code: 1006, errorClass: .network, session: .keep, known: false),
        Row(code: 4006, errorClass: .network, session: .keep, known: false),
        Row(code: 4999, errorClass: .network, session: .keep, known: false),
    ]

    @Test("gateway close codes", arguments: closeRows)
    func closeCode(_ row: Row) {
        let failure = DiscordFailures.close(code: row.code)
        #expect(failure.errorClass == row.errorClass)
        #expect(failure.session == row.session)
        #expect(failure.loud == row.loud)
        #expect(failure.known == row.known)
        #expect(failure.code == row.code.map(String.init) ?? "closed")
        let error = failure.error(detail: "why")
        #expect(error.errorClass == row.errorClass && error.classified == row.known && error.message.hasSuffix(": why"))
    }

    @Test("every close code in the table has a row here")
    func everyCloseCodeTested() {
        let tested = Set(Self.closeRows.compactMap { $0.known ? $0.code : nil })
        #expect(Set(DiscordFailures.closeCodes.keys) == tested)
    }

    @Test("gateway events that end a connection")
    func events() {
        let expected: [(DiscordFailure, ErrorClass, String, DiscordFailure.Session)] = [
            (DiscordFailures.reconnectRequested, .network, "reconnect_requested", .keep),
            (DiscordFailures.invalidSessionResumable, .network, "invalid_session_resumable", .keep),
            (DiscordFailures.invalidSession, .server, "invalid_session", .clear),
            (DiscordFailures.zombie, .network, "zombie", .keep),
            (DiscordFailures.socket, .network, "socket", .keep),
            (DiscordFailures.protocolViolation, .server, "protocol", .keep),
            (DiscordFailures.identifyBudgetExhausted, .rateLimited, "identify_budget", .keep),
            (DiscordFailures.handOffFailed, .server, "handoff_failed", .keep),
            (DiscordFailures.closedWithoutCode, .network, "closed", .keep),
        ]
        for (failure, errorClass, code, session) in expected {
            #expect(failure.errorClass == errorClass && failure.code == code && failure.session == session, "\(code)")
            #expect(failure.known && !failure.loud, "\(code)")
        }
        #expect(DiscordFailures.identifyBudgetExhausted.error(retryAfterMillis: 5_000).retryAfterMillis == 5_000)
    }

    @Test("REST statuses while connecting", arguments: [
        (401, ErrorClass.auth, true), (429, .rateLimited, true), (500, .server, true), (502, .server, true),
        (503, .server, true), (504, .server, true), (524, .server, true), (520, .server, true),
        (403, .network, false), (404, .network, false), (418, .network, false),
    ])
    func restStatus(status: Int, errorClass: ErrorClass, known: Bool) {
        let failure = DiscordFailures.rest(status: status)
        #expect(failure.errorClass == errorClass && failure.known == known && failure.code == "\(status)")
        #expect(failure.session == .keep, "REST failures never touch the gateway session")
    }

    @Test("per-message send failures have their own codes and leave the connection alone", arguments: [
        (403, 50013, "message_forbidden"), (403, 50001, "message_forbidden"), (404, 10003, "unknown_channel"),
        (403, 50007, "cannot_message_user"), (400, 50006, "message_rejected"), (400, 50007, "cannot_message_user"),
    ])
    func perMessage(status: Int, jsonCode: Int, code: String) throws {
        let failure = try #require(DiscordFailures.message(status: status, jsonCode: jsonCode))
        #expect(failure.code == code && !failure.errorClass.isRetryable, "retrying the same message cannot help")
        #expect(failure.error().scope == .message, "the outbox fails this message only; the connection stays up")
        #expect(DiscordFailures.message(status: 500, jsonCode: nil) == nil, "a 5xx is not the message's fault")
        #expect(DiscordFailures.message(status: 401, jsonCode: 0) == nil, "a bad token is not the message's fault")
    }

    @Test("a 429 waits the body's float retry_after, else the Retry-After header; global comes from the body")
    func rateLimitParsing() {
        let body = DiscordREST.Reply(
            status: 429, json: .object(["retry_after": .double(0.3371), "global": .bool(true)]), retryAfterHeader: "1",
            globalHeader: nil)
        #expect(DiscordREST.rateLimit(body) == DiscordREST.RateLimit(retryAfterMillis: 338, global: true))
        let header = DiscordREST.Reply(status: 429, json: nil, retryAfterHeader: "3", globalHeader: "true")
        #expect(DiscordREST.rateLimit(header) == DiscordREST.RateLimit(retryAfterMillis: 3_000, global: true))
        let nothing = DiscordREST.Reply(status: 429, json: .object([:]), retryAfterHeader: nil, globalHeader: nil)
        #expect(DiscordREST.rateLimit(nothing) == DiscordREST.RateLimit(retryAfterMillis: 1_000, global: false))
    }
}
