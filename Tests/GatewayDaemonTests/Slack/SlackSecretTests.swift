import Foundation
import Testing

@testable import GatewayCore
@testable import GatewaySlack

/// Tokens travel only in Authorization headers: never in a URL, a log line or an error text.
@Suite("Slack: secrets")
struct SlackSecretTests {
    @Test("through connect, inbound, sends and every kind of failure, no token reaches a URL, a log line or an error")
    func noTokenAnywhere() async throws {
        let f = try await SlackFixture.make()
        defer { Task { await f.shutdown() } }
        var errors: [AdapterError] = []
        let adapter = f.adapter()
        try await adapter.connect()
        let running = Task { try await adapter.run() }
        await f.server.state.userPosts(["hi"])
        try await waitUntil("stored") { try await f.inbox().count == 1 }
        _ = try await adapter.send(OutgoingMessage(target: "C0GENERAL", text: "out"))
        // One channel each: the pacer lets a burst of 3 per channel go without the (manual) clock.
        for (n, code) in ["invalid_auth", "not_in_channel", "brand_new"].enumerated() {
            await f.server.state.update { $0.channelErrors["C0ERR\(n)"] = code }
            do { _ = try await adapter.send(OutgoingMessage(target: "C0ERR\(n)", text: "x")) } catch let error as AdapterError { errors.append(error) }
        }
        await f.server.state.update { $0.channelErrors = [:]; $0.httpStatus["chat.postMessage"] = 502 }
        do { _ = try await adapter.send(OutgoingMessage(target: "C0RANDOM1", text: "x")) } catch let error as AdapterError { errors.append(error) }
        await f.server.state.sendDisconnect("link_disabled")
        if case .failure(let error as AdapterError) = await running.result { errors.append(error) }
        let port = try closedLoopbackPort()
        do { try await f.adapter(f.settings(apiBase: "http://127.0.0.1:\(port)/api")).connect() } catch let error as AdapterError { errors.append(error) }
        do { try await f.adapter(f.settings(botToken: "xoxb-wrong")).connect() } catch let error as AdapterError { errors.append(error) }

        #expect(errors.count == 7, "\(errors)")
        for secret in [SlackFixture.botToken, SlackFixture.appToken] {
            #expect(!f.logs.text.contains(secret))
            #expect(errors.allSatisfy { !$0.description.contains(secret) })
            #expect(await f.server.state.urlsSeen.allSatisfy { !$0.contains(secret) }, "no token in a request URL")
        }
        #expect(await f.server.state.authorizations.contains("Bearer \(SlackFixture.botToken)"), "the token went as a Bearer header")
    }

    @Test("a config error names the key, never the value")
    func configErrors() {
        func check(_ secrets: [String: String], _ options: [String: ConfigValue] = [:]) -> String? {
            let platform = PlatformConfig(name: "team", type: .slack, options: options, secrets: secrets.mapValues { Secret($0) })
            do throws(AdapterError) { _ = try SlackSettings(platform); return nil } catch { return error.message }
        }
        #expect(check(["bot_token": "xoxb-1"])?.contains("app_token is missing") == true)
        #expect(check(["app_token": "xoxb-secret-swap", "bot_token": "xoxb-1"]).map { $0.contains("app_token must") && !$0.contains("secret-swap") } == true)
        #expect(check(["app_token": "xapp-1", "bot_token": "xoxb-1"], ["api_base": .string("ftp://x")])?.contains("api_base") == true)
        #expect(check(["app_token": "xapp-1", "bot_token": "xoxb-1"], ["request_timeout": .duration(millis: 10)])?.contains("request_timeout") == true)
        #expect(check(["app_token": "xapp-1", "bot_token": "xoxb-1"]) == nil)
    }
}
