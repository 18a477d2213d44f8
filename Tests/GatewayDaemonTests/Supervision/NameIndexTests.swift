import Testing

@testable import GatewayCore
@testable import GatewayRuntime

/// The watcher finds a platform's configuration by name through a sorted index, not a dictionary.
@Suite("Name index")
struct NameIndexTests {
    static func platforms(_ names: [String]) -> [PlatformConfig] {
        names.map { PlatformConfig(name: $0, type: PlatformType(rawValue: "simulated")) }
    }

    @Test("every name finds its position; other names find nothing")
    func lookups() {
        let names = (0..<1_000).map { "p\(($0 * 7_919) % 1_000)" } + ["Zed", "_under", "a.b-c", "ä"]
        let index = NameIndex(Self.platforms(names))
        for (position, name) in names.enumerated() {
            #expect(index[name] == position, "\(name)")
        }
        for missing in ["", "p", "p1000", "zed", "p00", "a.b", "ä2"] {
            #expect(index[missing] == nil, "\(missing)")
        }
        #expect(NameIndex([])["a"] == nil)
    }

    @Test("a repeated name finds its first entry, as the configuration reads it")
    func repeated() {
        let index = NameIndex(Self.platforms(["b", "a", "b", "a"]))
        #expect(index["a"] == 1 && index["b"] == 0)
    }
}
