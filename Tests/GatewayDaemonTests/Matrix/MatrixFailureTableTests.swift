import Foundation
import Testing

@testable import GatewayCore
@testable import GatewayMatrix

extension MatrixTests {
    /// `MatrixFailures.table`, one case per row, and the rows that matter end to end over HTTP (a local fake homeserver
    /// for the answers Synapse cannot be made to give; the real one for a wrong token is in MatrixSynapseAdapterTests).
    @Suite("Matrix failure table")
    struct MatrixFailureTableTests {
        struct Case: Sendable, CustomTestStringConvertible {
            let row: String
            let failure: MatrixFailure
            let outcome: MatrixFailures.Outcome
            var testDescription: String { row }
        }

        static let cases: [Case] = [
            Case(row: "transport error", failure: .transport(call: .sync, kind: .refused, detail: "connection refused by h:1"), outcome: .connection(.network)),
            Case(row: "429 M_LIMIT_EXCEEDED", failure: .api(call: .send, status: 429, errcode: "M_LIMIT_EXCEEDED", error: "Too Many Requests", retryAfterMillis: 2_000), outcome: .connection(.rateLimited)),
            Case(row: "401 M_UNKNOWN_TOKEN", failure: .api(call: .whoami, status: 401, errcode: "M_UNKNOWN_TOKEN", error: "Invalid access token passed.", softLogout: true), outcome: .connection(.auth)),
            Case(row: "401 M_MISSING_TOKEN / other 401", failure: .api(call: .sync, status: 401, errcode: "M_MISSING_TOKEN", error: "Missing access token"), outcome: .connection(.auth)),
            Case(row: "403 M_USER_DEACTIVATED", failure: .api(call: .whoami, status: 403, errcode: "M_USER_DEACTIVATED", error: "deactivated"), outcome: .connection(.auth)),
            Case(row: "403 on whoami or sync", failure: .api(call: .sync, status: 403, errcode: "M_FORBIDDEN", error: "no"), outcome: .connection(.auth)),
            Case(row: "join refused", failure: .api(call: .join, status: 403, errcode: "M_FORBIDDEN", error: "not invited"), outcome: .perRoom),
            Case(row: "send refused", failure: .api(call: .send, status: 403, errcode: "M_FORBIDDEN", error: "User not in room"), outcome: .perMessage),
            Case(row: "5xx", failure: .api(call: .send, status: 502, errcode: nil, error: "HTTP 502 without a Matrix error body"), outcome: .connection(.server)),
            Case(row: "invalid response", failure: .invalidResponse(call: .sync, status: 200, detail: "<html>"), outcome: .connection(.server)),
        ]

        @Test("each row decides its own case", arguments: cases)
        func row(_ example: Case) throws {
            let row = try #require(MatrixFailures.row(for: example.failure))
            #expect(row.name == example.row)
            #expect(row.outcome == example.outcome)
            let error = MatrixFailures.classify(example.failure)
            switch example.outcome {
            case .connection(let errorClass): #expect(error.errorClass == errorClass && !error.isPerMessage)
            case .perMessage, .perRoom: #expect(error.isPerMessage)
            }
        }

        @Test("every row of the table has its case here")
        func everyRowTested() {
            #expect(Set(MatrixFailures.table.map(\.name)) == Set(Self.cases.map(\.row)))
        }

        @Test("an unknown failure is network, unclassified; soft_logout is named in the auth message")
        func unclassifiedAndSoftLogout() {
            let odd = MatrixFailures.classify(.api(call: .sync, status: 418, errcode: "M_TEAPOT", error: "short and stout"))
            #expect(odd.errorClass == .network && !odd.classified)
            let soft = MatrixFailures.classify(.api(call: .whoami, status: 401, errcode: "M_UNKNOWN_TOKEN", error: "expired", softLogout: true))
            #expect(soft.message.contains("soft_logout"))
            let hard = MatrixFailures.classify(.api(call: .whoami, status: 401, errcode: "M_UNKNOWN_TOKEN", error: "revoked"))
            #expect(!hard.message.contains("soft_logout") && hard.message.contains("revoked"))
        }

        // MARK: - Over HTTP

        private func adapter(_ server: MatrixFakeHomeserver, token: String = "fake-secret-token", syncTimeoutMillis: Int64 = 1_000, requestTimeoutMillis: Int64 = 2_000) -> MatrixAdapter {
            matrixAdapter(
                homeserver: server.baseURL, token: token, rooms: [], store: MatrixMemoryStore(),
                syncTimeoutMillis: syncTimeoutMillis, requestTimeoutMillis: requestTimeoutMillis)
        }

        @Test("429 on a send: rateLimited with the Retry-After header's seconds; without the header, retry_after_ms")
        func rateLimited() async throws {
            let server = try await MatrixFakeHomeserver.start()
            let adapter = adapter(server)
            try await adapter.connect()
            server.answer("send", .init(
                status: 429, body: #"{"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests","retry_after_ms":1500}"#,
                retryAfter: "7"))
            let limited = try await #require(throws: AdapterError.self) { try await adapter.send(OutgoingMessage(target: "!room:fake", text: "x")) }
            #expect(limited.errorClass == .rateLimited && limited.retryAfterMillis == 7_000 && !limited.isPerMessage, "\(limited)")
            server.answer("send", .init(status: 429, body: #"{"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests","retry_after_ms":1500}"#))
            let fallback = try await #require(throws: AdapterError.self) { try await adapter.send(OutgoingMessage(target: "!room:fake", text: "x")) }
            #expect(fallback.retryAfterMillis == 1_500, "\(fallback)")
            await server.stop()
        }

        @Test("401 M_UNKNOWN_TOKEN with soft_logout and M_MISSING_TOKEN: auth at connect, the token in no text")
        func unknownToken() async throws {
            let server = try await MatrixFakeHomeserver.start()
            server.answer("whoami", .init(status: 401, body: #"{"errcode":"M_UNKNOWN_TOKEN","error":"Token fake-secret-token expired","soft_logout":true}"#))
            let soft = try await #require(throws: AdapterError.self) { try await adapter(server).connect() }
            #expect(soft.errorClass == .auth && soft.code == "M_UNKNOWN_TOKEN" && soft.message.contains("soft_logout"), "\(soft)")
            #expect(!soft.message.contains("fake-secret-token"), "the server's echo of the token is redacted: \(soft.message)")
            server.answer("whoami", .init(status: 401, body: #"{"errcode":"M_MISSING_TOKEN","error":"Missing access token"}"#))
            let missing = try await #require(throws: AdapterError.self) { try await adapter(server).connect() }
            #expect(missing.errorClass == .auth && missing.code == "M_MISSING_TOKEN", "\(missing)")
            await server.stop()
        }

        @Test("5xx is server; a 2xx that is not JSON is server; refused and DNS are network naming host:port")
        func serverAndNetwork() async throws {
            let server = try await MatrixFakeHomeserver.start()
            server.answer("whoami", .init(status: 503, body: "<html>maintenance</html>"))
            let down = try await #require(throws: AdapterError.self) { try await adapter(server).connect() }
            #expect(down.errorClass == .server && down.code == "503", "\(down)")
            server.answer("whoami", .init(status: 200, body: "<html>a captive portal</html>"))
            let odd = try await #require(throws: AdapterError.self) { try await adapter(server).connect() }
            #expect(odd.errorClass == .server && odd.code == "invalid_json", "\(odd)")
            await server.stop()

            let port = try closedLoopbackPort()
            let refused = matrixAdapter(homeserver: "http://127.0.0.1:\(port)", token: "t0ken", rooms: [], store: MatrixMemoryStore())
            let error = try await #require(throws: AdapterError.self) { try await refused.connect() }
            #expect(error.errorClass == .network && error.code == "refused" && error.message.contains("127.0.0.1:\(port)"), "\(error)")
            let dns = matrixAdapter(homeserver: "https://\(unresolvableHost)", token: "t0ken", rooms: [], store: MatrixMemoryStore())
            let unresolved = try await #require(throws: AdapterError.self) { try await dns.connect() }
            #expect(unresolved.errorClass == .network && unresolved.code == "dns", "\(unresolved)")
        }

        @Test("a /sync that overruns its deadline is re-sent once; the second overrun in a row ends the connection (network)")
        func syncDeadline() async throws {
            let server = try await MatrixFakeHomeserver.start()
            let adapter = adapter(server, syncTimeoutMillis: 1_000, requestTimeoutMillis: 2_000)
            try await adapter.connect()
            server.answer("sync", .init(status: 200, body: "", hang: true))
            let result = await Task { try await adapter.run() }.result
            let error = try #require(throws: AdapterError.self) { try result.get() }
            #expect(error.errorClass == .network && error.code == "sync_deadline", "\(error)")
            // connect's snapshot, then two long polls.
            #expect(server.calls.filter { $0 == "sync" }.count == 3, "\(server.calls)")
            await server.stop()
        }
    }
}
