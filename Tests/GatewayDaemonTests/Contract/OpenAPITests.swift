import Foundation
import GatewayStore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime

/// The OpenAPI document (Sources/GatewayDaemon/HTTP/openapi.json, served at /openapi.json) describes exactly the
/// routes the server registers: none missing from it, none in it that the server lacks.
@Suite("OpenAPI: the document matches the routes")
struct OpenAPITests {
    @Test("every registered route is in the document and every documented operation is registered")
    func routesMatch() async throws {
        let g = try await Harness("platforms:\n  p: { type: simulated, script: connect }")
        let router = g.daemon.routes()
        let registered = Set(router.routes.map { "\($0.method.rawValue) \($0.path)" })
        let served = try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(response.status == .ok && response.headers[.contentType] == "application/json")
                return Data(buffer: response.body)
            }
        }
        let document = try #require(try JSONSerialization.jsonObject(with: served) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let methods = ["get", "put", "post", "delete", "patch", "head", "options"]
        let documented = Set(paths.flatMap { path, item in
            item.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" }
        })
        #expect(documented.count >= 7)
        #expect(registered.subtracting(documented).isEmpty, "registered but not documented: \(registered.subtracting(documented).sorted())")
        #expect(documented.subtracting(registered).isEmpty, "documented but not registered: \(documented.subtracting(registered).sorted())")
        #expect((document["openapi"] as? String)?.hasPrefix("3.1") == true)
        #expect((document["webhooks"] as? [String: Any]).map { Set($0.keys) } == ["inboxMessage", "alert"])
        try await g.stop()
    }
}
