import GatewayNetworking
import GatewayCore
import AsyncHTTPClient
import Foundation
import NIOCore

/// Calls Bot API methods over AsyncHTTPClient: `POST {api_base}/bot{token}/{method}` with a JSON body.
///
/// Every failure is thrown as a `TelegramFailure` whose texts are redacted; cancellation is rethrown as
/// `CancellationError`. The URL is never logged and never part of an error.
package struct TelegramClient: Sendable {
    /// A `getUpdates` answer holds at most 100 updates; anything near this size is not the Bot API.
    static let maxResponseBytes = 16 << 20

    let settings: TelegramSettings
    let http: HTTPClient

    init(settings: TelegramSettings, http: HTTPClient = PlatformHTTP.client) {
        self.settings = settings
        self.http = http
    }

    /// Calls `method` and decodes its `result`.
    /// - Parameter deadlineMillis: real time allowed until the response head arrives.
    /// - Throws: `TelegramFailure`, or `CancellationError` when the calling task was cancelled.
    func call<Parameters: Encodable & Sendable, Result: Decodable & Sendable>(
        _ method: TelegramMethod, _ parameters: Parameters, deadlineMillis: Int64, as _: Result.Type = Result.self
    ) async throws -> Result {
        var request = HTTPClientRequest(url: settings.url(method))
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        let body: Data
        do { body = try JSONEncoder().encode(parameters) } catch {
            throw TelegramFailure.transport(method: method, kind: .unknown, detail: "cannot encode the parameters")
        }
        request.body = .bytes(ByteBuffer(bytes: body))

        let status: Int
        let data: Data
        do {
            let response = try await http.execute(request, deadline: .now() + .milliseconds(deadlineMillis))
            status = Int(response.status.code)
            data = Data(try await response.body.collect(upTo: Self.maxResponseBytes).readableBytesView)
        } catch let error as NIOTooManyBytesError {
            throw TelegramFailure.invalidResponse(
                method: method, status: 200, detail: "larger than \(Self.maxResponseBytes) bytes (\(error))")
        } catch {
            if Task.isCancelled || error is CancellationError || (error as? HTTPClientError) == .cancelled {
                throw CancellationError()
            }
            let (host, port) = TransportFailure.endpoint(of: settings.apiBase)
            throw TelegramFailure.transport(error, method: method, host: host, port: port, redactor: settings.redactor)
        }
        return try decode(data, status: status, method: method)
    }

    /// Reads the envelope: `result` when `ok`, else the API failure; a body that is not the envelope is
    /// `invalidResponse`, unless the HTTP status already says what failed (a proxy's HTML 502, a bare 401).
    package func decode<Result: Decodable & Sendable>(_ data: Data, status: Int, method: TelegramMethod) throws(TelegramFailure) -> Result {
        let decoder = JSONDecoder()
        guard let head = try? decoder.decode(TelegramEnvelopeHead.self, from: data) else {
            if status >= 400 {
                throw .api(method: method, status: status, description: "HTTP \(status) without a Bot API body")
            }
            throw .invalidResponse(method: method, status: status, detail: snippet(of: data))
        }
        guard head.ok else {
            throw .api(
                method: method, status: head.errorCode ?? status,
                description: TelegramText.snippet(settings.redactor.scrub(head.description ?? ""), max: 300),
                retryAfterSeconds: head.parameters?.retryAfter, migrateTo: head.parameters?.migrateToChatID)
        }
        do {
            return try decoder.decode(TelegramEnvelope<Result>.self, from: data).result
        } catch {
            throw .invalidResponse(method: method, status: status, detail: "the result has an unexpected shape")
        }
    }

    /// The start of an unreadable body, for the operator (e.g. "<html>…"), redacted. Scrubbed before it is cut,
    /// on a prefix far longer than the cut, so a token that straddles the prefix's end is cut away, not half-shown.
    private func snippet(of data: Data) -> String {
        let text = String(decoding: data.prefix(4_096), as: UTF8.self)
        return text.isEmpty ? "(empty body)" : TelegramText.snippet(settings.redactor.scrub(text), max: 120)
    }
}
