import Testing

@testable import GatewayCore
@testable import GatewayStore

/// The store keeps each platform's reconnect policy without a policy, or a name, per platform when they share one.
@Suite("Policy table")
struct PolicyTableTests {
    static let global = BackoffPolicy(baseMillis: 1_000, jitter: 0)
    static let own = BackoffPolicy(baseMillis: 5_000, jitter: 0)

    static func specs(_ pairs: [(String, BackoffPolicy)]) -> [PlatformSpec] {
        pairs.map { PlatformSpec(name: $0.0, type: "irc", policy: $0.1) }
    }

    @Test("the most common policy is kept once; the others by name; a name never set gets the common one")
    func commonAndExceptions() {
        var table = PolicyTable()
        #expect(table["anyone"] == .standard, "before any configuration: the standard policy")
        table.set(Self.specs([("a", Self.global), ("b", Self.own), ("c", Self.global), ("d", Self.global)]))
        #expect(table["a"] == Self.global && table["c"] == Self.global && table["d"] == Self.global)
        #expect(table["b"] == Self.own)
        #expect(table["removed"] == Self.global)
        // A new configuration replaces the old: b now shares the global policy, a has its own.
        table.set(Self.specs([("a", Self.own), ("b", Self.global), ("c", Self.global)]))
        #expect(table["a"] == Self.own && table["b"] == Self.global && table["c"] == Self.global)
    }

    @Test("a tie goes to the policy configured first")
    func tie() {
        var table = PolicyTable()
        table.set(Self.specs([("a", Self.own), ("b", Self.global)]))
        #expect(table["a"] == Self.own && table["b"] == Self.global && table["x"] == Self.own)
        table.set(Self.specs([]))
        #expect(table["a"] == .standard)
    }

    @Test("the store applies each platform's own policy after startup")
    func storeUsesThem() async throws {
        try await withStore { store, _, _ in
            try await store.startup(configured: [
                PlatformSpec(name: "a", type: "irc", policy: Self.global),
                PlatformSpec(name: "b", type: "irc", policy: Self.own),
                PlatformSpec(name: "c", type: "irc", policy: Self.global),
            ])
            #expect(await store.policy(for: "a") == Self.global)
            #expect(await store.policy(for: "b") == Self.own)
        }
    }
}
