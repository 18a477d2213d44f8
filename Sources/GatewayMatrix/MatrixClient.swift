import GatewayNetworking
import GatewayCore
import AsyncHTTPClient
import Foundation
import NIOCore

/// Calls the Matrix client-server API over AsyncHTTPClient: `{homeserver}/_matrix/client/v3/…`, the access token in
/// the `Authorization: Bearer` header only.
///
/// Every failure is thrown as a `MatrixFailure` whose texts are redacted; cancellation is rethrown as
/// `CancellationError`. No URL is logged or put into an error (they hold room ids, never the token).
package struct MatrixClient: Sendable {
    /// A filtered `/sync` of a bot is small; anything near this size is not a homeserver answering us.
    static let maxResponseBytes = 32 << 20

    let settings: MatrixSettings
    let http: HTTPClient

    init(settings: MatrixSettings, http: HTTPClient = PlatformHTTP.client) {
        self.settings = settings
        self.http = http
    }

    /// Calls `path` (already percent-encoded, below `/_matrix/client/v3`) and decodes the 2xx answer.
    func call<Result: Decodable>(
        _ call: MatrixCall, _ method: MatrixMethod, _ path: String, query: [(String, String)] = [],
        body: (any Encodable & Sendable)? = nil, deadlineMillis: Int64, as _: Result.Type = Result.self
    ) async throws -> Result {
        var url = settings.homeserver + "/_matrix/client/v3" + path
        if !query.isEmpty {
            url += "?" + query.map { "\($0.0)=\(MatrixPath.encode($0.1))" }.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        switch method {
        case .GET: request.method = .GET
        case .POST: request.method = .POST
        case .PUT: request.method = .PUT
        }
        request.headers.add(name: "Authorization", value: "Bearer \(settings.accessToken.revealed)")
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            let data: Data
            do { data = try JSONEncoder().encode(body) } catch {
                throw MatrixFailure.transport(call: call, kind: .unknown, detail: "cannot encode the request body")
            }
            request.body = .bytes(ByteBuffer(bytes: data))
        }
        let status: Int
        let retryAfter: String?
        let data: Data
        do {
            let response = try await http.execute(request, deadline: .now() + .milliseconds(deadlineMillis))
            status = Int(response.status.code)
            retryAfter = response.headers.first(name: "Retry-After")
            data = Data(try await response.body.collect(upTo: Self.maxResponseBytes).readableBytesView)
        } catch let error as NIOTooManyBytesError {
            throw MatrixFailure.invalidResponse(call: call, status: 200, detail: "larger than \(Self.maxResponseBytes) bytes (\(error))")
        } catch {
            if Task.isCancelled || error is CancellationError || (error as? HTTPClientError) == .cancelled {
                throw CancellationError()
            }
            let (host, port) = TransportFailure.endpoint(of: settings.homeserver)
            throw MatrixFailure.transport(error, call: call, host: host, port: port, redactor: settings.redactor)
        }
        return try decode(data, status: status, retryAfter: retryAfter, call: call)
    }

    /// A 2xx body as `Result`; any other status as `.api` with the standard error body when there is one.
    package func decode<Result: Decodable>(
        _ data: Data, status: Int, retryAfter: String?, call: MatrixCall
    ) throws(MatrixFailure) -> Result {
        guard (200...299).contains(status) else {
            let body = try? JSONDecoder().decode(MatrixErrorBody.self, from: data)
            let text = body?.error.map { MatrixText.snippet(settings.redactor.scrub($0), max: 300) }
                ?? (data.isEmpty ? "" : "HTTP \(status) without a Matrix error body")
            throw .api(
                call: call, status: status, errcode: body?.errcode.map { String($0.prefix(64)) }, error: text,
                retryAfterMillis: Self.retryAfterMillis(header: retryAfter, bodyMillis: body?.retryAfterMillis),
                softLogout: body?.softLogout ?? false)
        }
        do {
            return try JSONDecoder().decode(Result.self, from: data)
        } catch {
            let text = String(decoding: data.prefix(4_096), as: UTF8.self)
            let snippet = text.isEmpty ? "(empty body)" : MatrixText.snippet(settings.redactor.scrub(text), max: 120)
            throw .invalidResponse(call: call, status: status, detail: snippet)
        }
    }

    /// The wait a 429 asks for: the `Retry-After` header (whole seconds, spec v1.10+), else the deprecated
    /// `retry_after_ms` of the body; clamped to a day, so nonsense neither overflows nor parks us for ever.
    static func retryAfterMillis(header: String?, bodyMillis: Int64?) -> Int64? {
        let day: Int64 = 86_400_000
        if let header, let seconds = Int64(header.trimmingCharacters(in: .whitespaces)), seconds >= 0 {
            return min(seconds, day / 1_000) * 1_000
        }
        return bodyMillis.map { min(max($0, 0), day) }
    }
}

/// The standard error body (spec: "Standard error response").
struct MatrixErrorBody: Decodable {
    let errcode: String?
    let error: String?
    let retryAfterMillis: Int64?
    let softLogout: Bool?

    enum CodingKeys: String, CodingKey {
        case errcode, error
        case retryAfterMillis = "retry_after_ms"
        case softLogout = "soft_logout"
    }

    /// Each field on its own: a body with one odd field still gives the others.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        errcode = try? container.decodeIfPresent(String.self, forKey: .errcode)
        error = try? container.decodeIfPresent(String.self, forKey: .error)
        retryAfterMillis = try? container.decodeIfPresent(Int64.self, forKey: .retryAfterMillis)
        softLogout = try? container.decodeIfPresent(Bool.self, forKey: .softLogout)
    }
}

/// Percent-encoding of one path segment or query value: everything but RFC 3986's unreserved characters
/// (room ids hold `!` and `:`, aliases `#`, txnIds `.`; a filter is JSON).
enum MatrixPath {
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
