import Foundation
import GatewayStore
import NIOCore
import Testing

@testable import GatewayCore
@testable import GatewayTelegram
@testable import GatewayDaemon
@testable import GatewayRuntime

/// Every row of `TelegramFailures.table` against PROTOCOLS.md: class, code and retry-after.
@Suite("Telegram failure table")
struct TelegramFailureTableTests {
    struct Sample: Sendable, CustomTestStringConvertible {
        let row: String
        let failure: TelegramFailure
        /// nil: a per-message failure.
        let errorClass: ErrorClass?
        let code: String
        var retryAfterMillis: Int64? = nil
        var testDescription: String { row }
    }

    static let samples: [Sample] = [
        Sample(row: "transport error", failure: .transport(method: .getMe, kind: .connect, detail: "refused"),
               errorClass: .network, code: "connect"),
        Sample(row: "401 unauthorized", failure: .api(method: .getUpdates, status: 401, description: "Unauthorized"),
               errorClass: .auth, code: "401"),
        Sample(row: "404 on getMe", failure: .api(method: .getMe, status: 404, description: "Not Found"),
               errorClass: .auth, code: "404"),
        Sample(row: "421 misdirected", failure: .api(method: .getUpdates, status: 421, description: "Misdirected Request"),
               errorClass: .auth, code: "421"),
        Sample(row: "409 other getUpdates", failure: .api(
            method: .getUpdates, status: 409,
            description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"),
               errorClass: .conflict, code: "409"),
        Sample(row: "409 webhook active", failure: .api(
            method: .getUpdates, status: 409,
            description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"),
               errorClass: .auth, code: "409"),
        Sample(row: "400 logged out", failure: .api(method: .getMe, status: 400, description: "Bad Request: Logged out"),
               errorClass: .auth, code: "400"),
        Sample(row: "429 retry_after", failure: .api(
            method: .getUpdates, status: 429, description: "Too Many Requests: retry after 17", retryAfterSeconds: 17),
               errorClass: .rateLimited, code: "429", retryAfterMillis: 17_000),
        Sample(row: "5xx", failure: .api(method: .getUpdates, status: 502, description: "Bad Gateway"),
               errorClass: .server, code: "502"),
        Sample(row: "invalid JSON", failure: .invalidResponse(method: .getUpdates, status: 200, detail: "<html>"),
               errorClass: .server, code: "invalid_json"),
        Sample(row: "403 on sendMessage", failure: .api(
            method: .sendMessage, status: 403, description: "Forbidden: bot was blocked by the user"),
               errorClass: nil, code: "per_message"),
        Sample(row: "400 migrate_to_chat_id", failure: .api(
            method: .sendMessage, status: 400, description: "Bad Request: group chat was upgraded to a supergroup chat",
            migrateTo: -100_123),
               errorClass: nil, code: "per_message"),
        Sample(row: "400 on sendMessage", failure: .api(method: .sendMessage, status: 400, description: "Bad Request: chat not found"),
               errorClass: nil, code: "per_message"),
    ]

    @Test("each row classifies as PROTOCOLS.md says", arguments: samples)
    func row(_ sample: Sample) {
        #expect(TelegramFailures.row(for: sample.failure)?.name == sample.row, "decided by its own row")
        let error = TelegramFailures.classify(sample.failure)
        #expect(error.code == sample.code && error.retryAfterMillis == sample.retryAfterMillis && error.classified)
        if let errorClass = sample.errorClass {
            #expect(error.errorClass == errorClass && !error.isPerMessage)
        } else {
            #expect(error.isPerMessage && error.errorClass == .server)
        }
    }

    @Test("every row of the table has a sample here")
    func everyRowCovered() {
        #expect(Set(TelegramFailures.table.map(\.name)) == Set(Self.samples.map(\.row)))
        #expect(TelegramFailures.table.count == Self.samples.count)
    }

    @Test("500, 502, 503 and 504 are server", arguments: [500, 502, 503, 504])
    func serverStatuses(_ status: Int) {
        #expect(TelegramFailures.classify(.api(method: .getMe, status: status, description: "")).errorClass == .server)
    }

    @Test("transport kinds map to network with the kind as code", arguments: [
        TelegramFailure.TransportKind.dns, .connect, .tls, .timeout, .closed,
    ])
    func transportKinds(_ kind: TelegramFailure.TransportKind) {
        let error = TelegramFailures.classify(.transport(method: .getUpdates, kind: kind, detail: "x"))
        #expect(error.errorClass == .network && error.code == kind.rawValue && error.classified)
    }

    @Test("what no row matches is an unclassified network failure")
    func unclassified() {
        for failure: TelegramFailure in [
            .api(method: .getUpdates, status: 418, description: "I'm a teapot"),
            .api(method: .getMe, status: 403, description: "Forbidden"),  // 403 is per-message only on sendMessage
            .api(method: .getUpdates, status: 409, description: "Conflict: something new"),
            .transport(method: .getMe, kind: .unknown, detail: "?"),
        ] {
            let error = TelegramFailures.classify(failure)
            #expect(error.errorClass == .network && !error.classified, "\(failure)")
        }
    }

    @Test("a 429 on sendMessage is a rate limit, not a per-message failure; a 401 there is auth")
    func sendRowsOrder() {
        let limited = TelegramFailures.classify(.api(method: .sendMessage, status: 429, description: "", retryAfterSeconds: 3))
        #expect(limited.errorClass == .rateLimited && limited.retryAfterMillis == 3_000 && !limited.isPerMessage)
        #expect(TelegramFailures.classify(.api(method: .sendMessage, status: 401, description: "Unauthorized")).errorClass == .auth)
    }

    @Test("NIO errors are sorted into transport kinds by type, not by text")
    func nioErrorKinds() {
        #expect(TelegramFailure.kind(of: ChannelError.connectTimeout(.seconds(1))) == .connect)
        #expect(TelegramFailure.kind(of: ChannelError.eof) == .closed)
        #expect(TelegramFailure.kind(of: IOError(errnoCode: ECONNREFUSED, reason: "connect")) == .refused)
        #expect(TelegramFailure.kind(of: IOError(errnoCode: EHOSTUNREACH, reason: "connect")) == .connect)
        #expect(TelegramFailure.kind(of: IOError(errnoCode: ECONNRESET, reason: "read")) == .closed)
        #expect(TelegramFailure.kind(of: CocoaError(.fileNoSuchFile)) == .unknown)
    }
}
