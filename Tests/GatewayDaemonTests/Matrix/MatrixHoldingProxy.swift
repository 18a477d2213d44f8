import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// A loopback HTTP proxy in front of Synapse that can hold back the answer to one send: the `holdAt`-th
/// `PUT …/send/…` is forwarded — Synapse creates the event — and its answer never comes back. What a crash at the
/// worst moment of a flush looks like from the daemon's side.
final class MatrixHoldingProxy: Sendable {
    struct Send: Sendable, Equatable {
        let txnID: String
        let eventID: String
    }

    private final class Script: Sendable {
        struct Contents {
            var holdAt: Int?
            var sends: [Send] = []
            var held: Send?
        }

        let contents = Mutex(Contents())
    }

    private let script: Script
    private let run: LocalServerRun
    let port: Int

    var baseURL: String { "http://127.0.0.1:\(port)" }
    /// Every send Synapse answered, in order (the held one too), with its txnId.
    var sends: [Send] { script.contents.withLock { $0.sends } }
    var held: Send? { script.contents.withLock { $0.held } }

    func hold(at count: Int?) { script.contents.withLock { $0.holdAt = count } }

    static func start(upstream: String) async throws -> MatrixHoldingProxy {
        let script = Script()
        let router = Router()
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            var forward = HTTPClientRequest(url: upstream + request.uri.string)
            forward.method = request.method == .put ? .PUT : request.method == .post ? .POST : .GET
            if let authorization = request.headers[.authorization] { forward.headers.add(name: "Authorization", value: authorization) }
            forward.headers.add(name: "Content-Type", value: "application/json")
            let body = try await request.body.collect(upTo: 1 << 20)
            if body.readableBytes > 0 { forward.body = .bytes(body) }
            let response = try await HTTPClient.shared.execute(forward, timeout: .seconds(120))
            let bytes = try await response.body.collect(upTo: 32 << 20)
            let path = request.uri.path
            if request.method == .put, path.contains("/send/m.room.message/"), response.status.code == 200 {
                let txnID = String(path.split(separator: "/").last ?? "").removingPercentEncoding ?? ""
                let eventID = (try? json(String(buffer: bytes)))?["event_id"] as? String ?? ""
                let send = Send(txnID: txnID, eventID: eventID)
                let hold = script.contents.withLock { contents -> Bool in
                    contents.sends.append(send)
                    guard contents.held == nil, contents.holdAt == contents.sends.count else { return false }
                    contents.held = send
                    return true
                }
                if hold { try await Task.sleep(for: .seconds(3_600)) }
            }
            var headers: HTTPFields = [.contentType: "application/json"]
            if let retryAfter = response.headers.first(name: "Retry-After") { headers[.retryAfter] = retryAfter }
            return Response(
                status: HTTPResponse.Status(code: Int(response.status.code)), headers: headers, body: ResponseBody(byteBuffer: bytes))
        }
        router.get("**", use: handler)
        router.post("**", use: handler)
        router.put("**", use: handler)
        let (run, port) = try await LocalServerRun.loopback(router)
        return MatrixHoldingProxy(script: script, run: run, port: port)
    }

    private init(script: Script, run: LocalServerRun, port: Int) {
        self.script = script
        self.run = run
        self.port = port
    }

    func stop() async { await run.stop(grace: .milliseconds(200)) }
}
