import GatewayCore
import GatewayRuntime
import GatewayNetworking
import Foundation
import GatewayStore
import Hummingbird
import Synchronization

/// The loopback HTTP face: `/healthz`, `/readyz`, `/v1/status`, `POST /v1/messages`, `/metrics`, the status page `/`
/// and `/openapi.json`, the document describing them all (HTTP/openapi.json, checked against these routes by a test).
public enum StatusRoutes {
    /// The router; with `token`, every route needs `Authorization: Bearer <token>` (or `?token=` for the page).
    public static func router(source: StatusSource, token: Secret?) -> Router<BasicRequestContext> {
        let router = Router()
        let methods = MethodNotAllowedMiddleware<BasicRequestContext>()
        router.add(middleware: methods)
        if let token { router.add(middleware: BearerTokenMiddleware(token: token)) }

        router.get("/healthz") { _, _ -> Response in
            let now = source.clock.nowMillis()
            let lease = try await source.store.daemonLease()
            let age = source.watcherAgeMillis(lease, now: now)
            let fresh = age.map { $0 <= source.stallAfterMillis } ?? false
            return json(fresh ? .ok : .serviceUnavailable, HealthJSON(
                status: fresh ? "ok" : (age == nil ? "no_watcher" : "stalled"),
                watcherHeartbeatAgeS: age.map { Double($0) / 1000 }, stallAfterS: Double(source.stallAfterMillis) / 1000))
        }

        router.get("/readyz") { _, _ -> Response in
            let ready = source.readiness.isReady
            return json(ready ? .ok : .serviceUnavailable, ["status": ready ? "ready" : "starting"])
        }

        router.get("/v1/status") { _, _ -> Response in
            let now = source.clock.nowMillis()
            let records = try await source.store.platforms()
            let lease = try await source.store.daemonLease()
            let depths = try await source.store.messageDepths()
            let probes = try await source.store.endpointProbes()
            return json(.ok, HTTPStatusJSON(
                daemon: lease.map { DaemonJSON($0, now: now) },
                platforms: records.map { PlatformJSON($0, now: now) },
                endpoints: EndpointJSON.list(records: records, probes: probes),
                queues: QueuesJSON(
                    reconnect: records.filter { $0.state == .backingOff }.count,
                    inbox: depths.mapValues(\.inbox).filter { $0.value > 0 },
                    outbox: depths.mapValues(\.outbox).filter { $0.value > 0 })))
        }

        router.post("/v1/messages") { request, _ -> Response in
            try await MessagesEndpoint.submit(request, source: source)
        }

        router.get("/metrics") { _, _ -> Response in
            let now = source.clock.nowMillis()
            let text = source.metrics.render(
                records: try await source.store.platforms(), lease: try await source.store.daemonLease(), now: now,
                depths: try await source.store.messageDepths())
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }

        router.get("/openapi.json") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_json)))
        }

        router.get("/") { _, _ -> Response in
            let now = source.clock.nowMillis()
            let page = StatusPage.render(
                records: try await source.store.platforms(), lease: try await source.store.daemonLease(),
                events: try await source.store.timelineEvents(since: now - StatusPage.windowMillis), now: now)
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: page)))
        }
        methods.allow(router.routes.map { ("\($0.path)", $0.method) })
        return router
    }

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let data = (try? JSONOutput.encode(value)) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

struct HealthJSON: Encodable {
    var status: String
    var watcherHeartbeatAgeS: Double?
    var stallAfterS: Double

    enum CodingKeys: String, CodingKey {
        case status, watcherHeartbeatAgeS = "watcher_heartbeat_age_s", stallAfterS = "stall_after_s"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encode(watcherHeartbeatAgeS, forKey: .watcherHeartbeatAgeS)
        try container.encode(stallAfterS, forKey: .stallAfterS)
    }
}

/// `/v1/status`: the CLI's `status --json` document plus queue depths.
struct HTTPStatusJSON: Encodable {
    var daemon: DaemonJSON?
    var platforms: [PlatformJSON]
    var endpoints: [EndpointJSON]
    var queues: QueuesJSON

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(daemon, forKey: .daemon)
        try container.encode(platforms, forKey: .platforms)
        try container.encode(endpoints, forKey: .endpoints)
        try container.encode(queues, forKey: .queues)
    }

    enum CodingKeys: String, CodingKey { case daemon, platforms, endpoints, queues }
}

/// Queue depths: platforms backing off; per platform, messages the consumer has not acknowledged and messages
/// waiting to be sent (platforms with none are left out).
struct QueuesJSON: Encodable {
    var reconnect: Int
    var inbox: [String: Int]
    var outbox: [String: Int]
}

/// A known path asked with a method it does not serve answers 405 with `Allow` (not 404: the path exists).
final class MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware, Sendable {
    private let table = Mutex<[String: Set<HTTPRequest.Method>]>([:])

    /// The routes, once registered.
    func allow(_ routes: [(path: String, method: HTTPRequest.Method)]) {
        table.withLock { table in
            for route in routes { table[route.path, default: []].insert(route.method) }
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let allowed = table.withLock({ $0[request.uri.path] }), !allowed.contains(request.method) {
            let list = allowed.map(\.rawValue).sorted().joined(separator: ", ")
            var response = StatusRoutes.json(.methodNotAllowed, ["error": "\(request.uri.path) allows \(list) only"])
            response.headers[.allow] = list
            return response
        }
        return try await next(request, context)
    }
}

/// Requires `Authorization: Bearer <token>`, or `?token=<token>` (so the page can be opened in a browser).
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: Secret

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let header = request.headers[.authorization] ?? ""
        let bearer = header.hasPrefix("Bearer ") ? header.dropFirst(7) : ""
        let query = request.uri.queryParameters.get("token") ?? ""
        guard token.matches(bearer) || token.matches(query) else {
            return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Bearer"])
        }
        return try await next(request, context)
    }
}
