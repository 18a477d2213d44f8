import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayIRC
@testable import GatewayDaemon
@testable import GatewayRuntime

@Suite("IRC failure table")
struct IRCFailureTableTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let signal: IRCFailures.Signal
        let errorClass: ErrorClass
        let code: String
        var floor: Int64? = nil
        var testDescription: String { "\(signal) → \(errorClass.rawValue) \(code)" }
    }

    /// One sample per row of `IRCFailures.rules` (checked below: every rule is the first match of some sample).
    static let samples: [Row] = [
        Row(signal: .error("Closing Link: 127.0.0.1 (Excess Flood)"), errorClass: .rateLimited, code: "excess_flood", floor: 60_000),
        Row(signal: .error("Throttled: Reconnecting too fast -Email admin@example.org for more information."), errorClass: .rateLimited, code: "throttled", floor: 60_000),
        Row(signal: .error("Closing Link: host (Reconnecting too fast)"), errorClass: .rateLimited, code: "throttled", floor: 60_000),
        Row(signal: .error("Too many connections from your IP address"), errorClass: .rateLimited, code: "too_many_connections", floor: 60_000),
        Row(signal: .error("Closing Link: host (Too many host connections (global))"), errorClass: .rateLimited, code: "too_many_connections", floor: 60_000),
        Row(signal: .numeric("464"), errorClass: .auth, code: "464"),
        Row(signal: .error("Access denied: Bad password?"), errorClass: .auth, code: "bad_password"),
        Row(signal: .numeric("465"), errorClass: .auth, code: "465"),
        Row(signal: .error("Closing Link: host (You are banned from this server)"), errorClass: .auth, code: "banned"),
        Row(signal: .error("Closing Link: host (K-Lined)"), errorClass: .auth, code: "banned"),
        Row(signal: .error("Closing Link: host (G-lined: spam)"), errorClass: .auth, code: "banned"),
        Row(signal: .error("Closing Link: host (Z-lined)"), errorClass: .auth, code: "banned"),
        Row(signal: .numeric("904"), errorClass: .auth, code: "904"),
        Row(signal: .numeric("902"), errorClass: .auth, code: "902"),
        Row(signal: .numeric("905"), errorClass: .auth, code: "905"),
        Row(signal: .numeric("906"), errorClass: .auth, code: "906"),
        Row(signal: .numeric("432"), errorClass: .auth, code: "432"),
        Row(signal: .nicksExhausted, errorClass: .server, code: "nick_in_use"),
        Row(signal: .saslUnavailable, errorClass: .server, code: "sasl_unavailable"),
        Row(signal: .error("Closing Link: host (Ping timeout: 240 seconds)"), errorClass: .network, code: "ping_timeout"),
        Row(signal: .error("Closing Link: host (Connection timeout)"), errorClass: .network, code: "connection_timeout"),
        Row(signal: .error("Closing Link: host (Quit: bye)"), errorClass: .network, code: "closing_link"),
        Row(signal: .pingTimeout, errorClass: .network, code: "ping_timeout"),
        Row(signal: .registrationTimeout, errorClass: .network, code: "register_timeout"),
        Row(signal: .endOfStream, errorClass: .network, code: "eof"),
        Row(signal: .transport, errorClass: .network, code: "connect"),
        Row(signal: .dns, errorClass: .network, code: "dns"),
        Row(signal: .tls, errorClass: .network, code: "tls"),
    ]

    @Test("each row classifies its sample", arguments: samples)
    func row(_ row: Row) {
        let error = IRCFailures.classify(row.signal, message: "sample")
        #expect(error.errorClass == row.errorClass && error.code == row.code && error.retryAfterMillis == row.floor)
        #expect(error.classified && error.message == "sample")
    }

    @Test("every rule of the table is the first match of some sample (no row untested, none shadowed)")
    func everyRuleCovered() {
        let hit = Set(Self.samples.compactMap { sample in IRCFailures.rules.firstIndex { $0.matches(sample.signal) } })
        #expect(hit == Set(IRCFailures.rules.indices), "uncovered rows: \(Set(IRCFailures.rules.indices).subtracting(hit).sorted())")
        #expect(Self.samples.count == IRCFailures.rules.count)
    }

    @Test("rate limits carry a floor of at least 60 s; ERROR matching ignores case")
    func floors() {
        for rule in IRCFailures.rules where rule.errorClass == .rateLimited { #expect((rule.retryAfterMillis ?? 0) >= 60_000) }
        #expect(IRCFailures.classify(.error("EXCESS FLOOD"), message: "").errorClass == .rateLimited)
    }

    @Test("an ERROR or numeric no row knows is network, marked unclassified")
    func unknown() {
        let error = IRCFailures.classify(.error("Something odd happened"), message: "odd")
        #expect(error.errorClass == .network && !error.classified && error.code == "error")
        let numeric = IRCFailures.classify(.numeric("999"), message: "odd")
        #expect(numeric.errorClass == .network && !numeric.classified && numeric.code == "999")
    }
}
