import Foundation
import GatewayStore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime

/// `Content-Type: application/json` (which `POST /v1/messages` requires), and an `Idempotency-Key` if given.
func jsonHeaders(idempotencyKey: String? = nil) -> HTTPFields {
    var fields: HTTPFields = [.contentType: "application/json; charset=utf-8"]
    if let idempotencyKey { fields[.init("Idempotency-Key")!] = idempotencyKey }
    return fields
}

@Suite("POST /v1/messages")
struct MessagesHTTPTests {
    @Test("202 with an id for a good message; 400/404 with the reason for bad ones, and nothing queued")
    func endpoint() async throws {
        let g = try await Harness("platforms:\n  p: { type: simulated, script: \"fail network\" }")
        try await g.waitFor("p", .backingOff)
        let app = Application(router: g.daemon.routes())
        try await app.test(.router) { client in
            let bad: [(String, HTTPResponse.Status, String)] = [
                ("not json", .badRequest, "expected JSON"),
                (##"{"platform":"p","target":"#c"}"##, .badRequest, "missing field 'text'"),
                (##"{"platform":"p","target":"#c","txt":"hi"}"##, .badRequest, "unknown field 'txt'"),
                (##"{"platform":"p","target":"#c","text":"hi","attachments":[]}"##, .badRequest, "unknown field 'attachments'"),
                (##"{"platform":"p","target":"#c","text":"hi","reply_to":" "}"##, .badRequest, "reply_to is empty"),
                (##"{"platform":"p","target":"#c","text":"hi","reply_to":"a\nb"}"##, .badRequest, "reply_to contains a line break"),
                (##"{"platform":"p","target":"#c","text":"hi","reply_to":7}"##, .badRequest, "field 'reply_to' must be a string"),
                (##"{"platform":"p","target":42,"text":"hi"}"##, .badRequest, "field 'target' must be a string"),
                (##"{"platform":"p","target":"#c","text":"hi","ttl_s":"10"}"##, .badRequest, "field 'ttl_s' must be a number"),
                (##"{"platform":"p","target":"#c","text":null}"##, .badRequest, "field 'text' must not be null"),
                (##"{"platform":"nope","target":"#c","text":"hi"}"##, .notFound, "unknown platform 'nope'"),
                (##"{"platform":"p","target":"#c","text":""}"##, .badRequest, "the text is empty"),
                (##"{"platform":"p","target":"#c","text":"hi","ttl_s":-1}"##, .badRequest, "ttl_s must be"),
            ]
            for (body, status, reason) in bad {
                try await client.execute(uri: "/v1/messages", method: .post, headers: jsonHeaders(), body: ByteBuffer(string: body)) { response in
                    #expect(response.status == status, "\(body)")
                    #expect(String(buffer: response.body).contains(reason), "\(body): \(String(buffer: response.body))")
                }
            }
            // Not JSON by its Content-Type: 415, whatever the body.
            let good = ByteBuffer(string: ##"{"platform":"p","target":"#c","text":"hi"}"##)
            for type in [nil, "text/plain", "application/x-www-form-urlencoded"] {
                let headers: HTTPFields = type.map { [.contentType: $0] } ?? [:]
                try await client.execute(uri: "/v1/messages", method: .post, headers: headers, body: good) { response in
                    #expect(response.status == .unsupportedMediaType, "\(type ?? "no Content-Type")")
                    #expect(String(buffer: response.body).contains("Content-Type must be application/json"))
                }
            }
            #expect(try await g.store.outbox().isEmpty)
            try await client.execute(
                uri: "/v1/messages", method: .post, headers: jsonHeaders(idempotencyKey: "req-1"),
                body: ByteBuffer(string: ##"{"platform":"p","target":"#c","text":"queued while down","ttl_s":600}"##)
            ) { response in
                #expect(response.status == .accepted)
                #expect(String(buffer: response.body).contains("\"state\" : \"queued\""))
            }
            let entry = try #require(try await g.store.outbox().first)
            #expect(entry.text == "queued while down" && entry.idempotencyKey == "req-1" && entry.expiresAt == g.clock.nowMillis() + 600_000)
            try await client.execute(uri: "/v1/status", method: .get) { response in
                #expect(String(buffer: response.body).contains("\"outbox\" : {\n      \"p\" : 1\n    }"))
            }
        }
        try await g.stop()
    }
}
