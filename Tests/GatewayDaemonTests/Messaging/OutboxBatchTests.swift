import Foundation
import GatewayStore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime

/// Batched enqueue: many messages in ONE transaction, all or nothing, with the single enqueue's rules.
@Suite("Outbox: batched enqueue")
struct OutboxBatchTests {
    /// A fresh database with platforms `p` and `q` enabled and `off` disabled, as `gatewayd run` sets them up.
    func withStore<T>(_ body: (Store, String) async throws -> T) async throws -> T {
        let dir = FileManager.default.temporaryDirectory.appending(path: "gatewayd-batch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appending(path: "g.db").path
        let store = try Store(path: path)
        _ = try await store.startup(configured: [
            PlatformSpec(name: "p", type: "simulated"), PlatformSpec(name: "q", type: "simulated"),
            PlatformSpec(name: "off", type: "simulated", enabled: false),
        ])
        return try await body(store, path)
    }

    @Test("a batch is queued in order, in one transaction, across platforms; ids ascend")
    func batchInOrder() async throws {
        try await withStore { (store: Store, _: String) async throws in
            let batch = (0..<50).map { NewOutboxMessage(platform: $0 % 2 == 0 ? "p" : "q", target: "#c", text: "m\($0)") }
            let entries = try await store.enqueue(batch)
            #expect(entries.map(\.text) == batch.map(\.text))
            #expect(entries.map(\.id) == entries.map(\.id).sorted() && Set(entries.map(\.id)).count == 50)
            #expect(entries.allSatisfy { $0.state == .queued && $0.attempts == 0 })
            #expect(try await store.outbox() == entries, "what was returned is what was stored")
        }
    }

    @Test("any refused item (unknown or disabled platform) rolls the whole batch back")
    func allOrNothing() async throws {
        try await withStore { (store: Store, _: String) async throws in
            for bad in ["nope", "off"] {
                let batch = [
                    NewOutboxMessage(platform: "p", target: "#c", text: "first"),
                    NewOutboxMessage(platform: bad, target: "#c", text: "refused"),
                    NewOutboxMessage(platform: "q", target: "#c", text: "last"),
                ]
                await #expect(throws: StoreError.self) { try await store.enqueue(batch) }
                #expect(try await store.outbox().isEmpty, "\(bad): nothing of the batch is queued")
            }
        }
    }

    @Test("idempotency keys: an earlier key, or a key repeated inside the batch, returns that entry")
    func idempotencyKeys() async throws {
        try await withStore { (store: Store, _: String) async throws in
            let earlier = try await store.enqueue(platform: "p", target: "#c", text: "once", idempotencyKey: "k0")
            let entries = try await store.enqueue([
                NewOutboxMessage(platform: "p", target: "#c", text: "once again", idempotencyKey: "k0"),
                NewOutboxMessage(platform: "p", target: "#c", text: "new", idempotencyKey: "k1"),
                NewOutboxMessage(platform: "p", target: "#c", text: "new, repeated", idempotencyKey: "k1"),
                NewOutboxMessage(platform: "p", target: "#c", text: "no key"),
            ])
            #expect(entries[0] == earlier)
            #expect(entries[1].id == entries[2].id && entries[2].text == "new")
            #expect(try await store.outbox().map(\.text) == ["once", "new", "no key"])
        }
    }

    @Test("the router validates every item first: one bad item refuses the batch, naming it")
    func routerValidation() async throws {
        try await withStore { (store: Store, _: String) async throws in
            let good = NewOutboxMessage(platform: "p", target: "#c", text: "fine")
            let cases: [([NewOutboxMessage], String)] = [
                ([good, NewOutboxMessage(platform: "p", target: "#c", text: "")], "message 2: the text is empty"),
                ([good, good, NewOutboxMessage(platform: "p", target: " ", text: "x")], "message 3: the target is empty"),
                ([good, NewOutboxMessage(platform: "p", target: "#c\n", text: "x")], "message 2: the target contains a line break"),
                ([good, NewOutboxMessage(platform: "nope", target: "#c", text: "x")], "unknown platform 'nope'"),
                ([good, NewOutboxMessage(platform: "off", target: "#c", text: "x")], "platform off is disabled"),
                ([], "the batch is empty"),
                (Array(repeating: good, count: DeliveryRouter.maxBatchCount + 1), "the limit is \(DeliveryRouter.maxBatchCount)"),
            ]
            for (batch, reason) in cases {
                do {
                    _ = try await DeliveryRouter.enqueue(store: store, kinds: PlatformKinds.all, batch: batch)
                    Issue.record("accepted: \(reason)")
                } catch let error as DeliveryError {
                    #expect(error.description.contains(reason), "\(error.description)")
                    #expect(error.isUnknownPlatform == reason.hasPrefix("unknown platform"))
                }
            }
            #expect(try await store.outbox().isEmpty)
        }
    }

    @Test("POST /v1/messages with a JSON array: 202 with the ids in order; a bad item → 4xx and nothing queued")
    func httpBatch() async throws {
        let g = try await Harness("platforms:\n  p: { type: simulated, script: \"fail network\" }")
        try await g.waitFor("p", .backingOff)
        let app = Application(router: g.daemon.routes())
        try await app.test(.router) { client in
            let bad: [(String, HTTPResponse.Status, String)] = [
                (##"[{"platform":"p","target":"#c","text":"ok"},{"platform":"p","target":"#c"}]"##, .badRequest, "message 2: missing field 'text'"),
                (##"[{"platform":"p","target":"#c","text":"ok"},{"platform":"p","target":"#c","text":"x","ttl":5}]"##, .badRequest, "message 2: unknown field 'ttl'"),
                (##"[{"platform":"p","target":["#c"],"text":"ok"}]"##, .badRequest, "message 1: field 'target' must be a string"),
                (##"[{"platform":"p","target":"#c","text":"ok"},{"platform":"p","target":"#c","text":""}]"##, .badRequest, "message 2: the text is empty"),
                (##"[{"platform":"p","target":"#c","text":"ok"},{"platform":"nope","target":"#c","text":"x"}]"##, .notFound, "unknown platform 'nope'"),
                (##"[{"platform":"p","target":"#c","text":"ok","ttl_s":0}]"##, .badRequest, "message 1: ttl_s must be"),
                ("[]", .badRequest, "the batch is empty"),
                ("[1, 2]", .badRequest, "expected a JSON array"),
                ("[" + Array(repeating: ##"{"platform":"p","target":"#c","text":"x"}"##, count: DeliveryRouter.maxBatchCount + 1)
                    .joined(separator: ",") + "]", .contentTooLarge, "the batch holds 10001 messages; the limit is 10000"),
            ]
            for (body, status, reason) in bad {
                try await client.execute(uri: "/v1/messages", method: .post, headers: jsonHeaders(), body: ByteBuffer(string: body)) { response in
                    #expect(response.status == status, "\(body)")
                    #expect(String(buffer: response.body).contains(reason), "\(body): \(String(buffer: response.body))")
                }
            }
            #expect(try await g.store.outbox().isEmpty, "nothing of a refused batch is queued")

            let body = ##"[{"platform":"p","target":"#a","text":"one","ttl_s":60},{"platform":"p","target":"#b","text":"two","idempotency_key":"own"},{"platform":"p","target":"#a","text":"three"}]"##
            var ids: [String] = []
            for _ in 0..<2 {  // sent twice with the same header: the second changes nothing
                try await client.execute(
                    uri: "/v1/messages", method: .post, headers: jsonHeaders(idempotencyKey: "req-9"), body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.status == .accepted)
                    let reply = try JSONDecoder().decode(Reply.self, from: Data(buffer: response.body))
                    #expect(reply.messages.map(\.state) == ["queued", "queued", "queued"])
                    if ids.isEmpty { ids = reply.messages.map(\.id) } else { #expect(reply.messages.map(\.id) == ids) }
                }
            }
            let entries = try await g.store.outbox()
            #expect(entries.map { "\($0.id)" } == ids)
            #expect(entries.map(\.text) == ["one", "two", "three"])
            #expect(entries.map(\.idempotencyKey) == ["req-9:1", "own", "req-9:3"])
            #expect(entries[0].expiresAt == g.clock.nowMillis() + 60_000 && entries[1].expiresAt == nil)
        }
        try await g.stop()
    }

    struct Reply: Decodable {
        struct Item: Decodable {
            let id: String
            let state: String
        }

        let messages: [Item]
    }

    @Test("gatewayd send --lines: one message per line in one transaction; a bad line queues nothing; a key makes it safe to rerun")
    func cliLines() async throws {
        let binary = try #require(builtGatewayd(), "build the gatewayd product first")
        try await withStore { (store: Store, path: String) async throws in
            func send(_ input: String, _ extra: [String] = []) throws -> (status: Int32, out: String, err: String) {
                let process = Process()
                process.executableURL = binary
                process.arguments = ["send", "p", "#c", "--lines", "--db", path] + extra
                let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
                process.standardInput = stdin
                process.standardOutput = stdout
                process.standardError = stderr
                try process.run()
                stdin.fileHandleForWriting.write(Data(input.utf8))
                try stdin.fileHandleForWriting.close()
                let out = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                let err = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                return (process.terminationStatus, out, err)
            }
            let refused = try send("first\n\nthird\n")
            #expect(refused.status == 1 && refused.err.contains("message 2: the text is empty"), "\(refused.err)")
            #expect(try await store.outbox().isEmpty, "a bad line queues nothing")

            let queued = try send("alpha\r\nbeta\ngamma", ["--idempotency-key", "job-1"])
            #expect(queued.status == 0 && queued.out.contains("queued 3 messages"), "\(queued.out)\(queued.err)")
            let again = try send("alpha\r\nbeta\ngamma", ["--idempotency-key", "job-1"])
            #expect(again.status == 0, "\(again.err)")
            let entries = try await store.outbox()
            #expect(entries.map(\.text) == ["alpha", "beta", "gamma"], "CR LF ends a line; the rerun added nothing")
            #expect(entries.map(\.idempotencyKey) == ["job-1:1", "job-1:2", "job-1:3"])

            let both = try send("x\n", ["extra text"])
            #expect(both.status != 0 && both.err.contains("not both"), "\(both.err)")
        }
    }
}
