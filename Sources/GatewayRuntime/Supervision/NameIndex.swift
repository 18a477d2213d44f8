import GatewayCore

/// Finds a platform's position in the configuration by its name: a binary search over the positions sorted by name.
///
/// Four bytes a platform instead of a dictionary entry (a `[String: Int]` of 100,000 names was 6.3 MB of the
/// daemon's memory); a lookup is ~17 name comparisons, made once per attempt, not per message.
struct NameIndex: Sendable {
    private let platforms: [PlatformConfig]
    /// Positions in `platforms`, by name (bytewise), then position: a repeated name finds its first entry.
    private let order: [Int32]

    init(_ platforms: [PlatformConfig]) {
        self.platforms = platforms
        order = platforms.indices.map { Int32($0) }.sorted { a, b in
            let nameA = platforms[Int(a)].name.utf8
            let nameB = platforms[Int(b)].name.utf8
            return nameA.elementsEqual(nameB) ? a < b : nameA.lexicographicallyPrecedes(nameB)
        }
    }

    /// The position of the first platform named `name`, or nil.
    subscript(name: String) -> Int? {
        let key = name.utf8
        var low = 0
        var high = order.count
        while low < high {  // the first position whose name is not before `name`
            let middle = (low + high) / 2
            if platforms[Int(order[middle])].name.utf8.lexicographicallyPrecedes(key) { low = middle + 1 } else { high = middle }
        }
        guard low < order.count, platforms[Int(order[low])].name.utf8.elementsEqual(key) else { return nil }
        return Int(order[low])
    }
}
