import FuzzTargets
import GatewayStore

/// A small, seeded, libFuzzer-style mutator: the same seed gives the same inputs, so a failure reproduces.
///
/// Each input is a corpus entry with 1–6 edits: bit flips, random bytes, inserted or overwritten dictionary tokens,
/// deleted or duplicated ranges, a splice with another entry, inserted digit runs, and a digit run replaced by another
/// number (``NumberMutation``, as the libFuzzer executables do).
struct ByteMutator {
    static let maxLength = 16 * 1_024

    private var random: SplitMix64
    private let corpus: [[UInt8]]
    private let dictionary: [[UInt8]]

    init(seed: UInt64, corpus: [[UInt8]], dictionary: [[UInt8]]) {
        precondition(!corpus.isEmpty, "a mutator needs at least one seed")
        random = SplitMix64(seed: seed)
        self.corpus = corpus
        self.dictionary = dictionary.isEmpty ? [[0]] : dictionary
    }

    mutating func next() -> [UInt8] {
        var bytes = pick(corpus)
        for _ in 0..<Int.random(in: 1...6, using: &random) { mutate(&bytes) }
        if bytes.count > Self.maxLength { bytes.removeLast(bytes.count - Self.maxLength) }
        return bytes
    }

    private mutating func mutate(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else {
            bytes = pick(dictionary)
            return
        }
        let at = Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<10, using: &random) {
        case 0:
            bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &random)
        case 1:
            bytes[at] = UInt8.random(in: 0...255, using: &random)
        case 2:
            bytes.insert(contentsOf: pick(dictionary), at: at)
        case 3:
            let token = pick(dictionary)
            let end = min(bytes.count, at + token.count)
            bytes.replaceSubrange(at..<end, with: token)
        case 4:
            bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...32, using: &random)))
        case 5:
            let end = min(bytes.count, at + Int.random(in: 1...64, using: &random))
            bytes.insert(contentsOf: Array(bytes[at..<end]), at: Int.random(in: 0...bytes.count, using: &random))
        case 6:
            let other = pick(corpus)
            let cut = Int.random(in: 0...other.count, using: &random)
            bytes = Array(bytes[..<at]) + other[cut...]
        case 7:
            // Long digit runs: where integer overflow hides.
            let digits = (0..<Int.random(in: 1...24, using: &random)).map { _ in UInt8.random(in: 48...57, using: &random) }
            bytes.insert(contentsOf: digits, at: at)
        case 8:
            bytes = NumberMutation.replacingNumber(in: bytes, seed: random.next()) ?? bytes
        default:
            bytes.insert(UInt8.random(in: 0...255, using: &random), at: at)
        }
    }

    private mutating func pick(_ items: [[UInt8]]) -> [UInt8] {
        items[Int.random(in: 0..<items.count, using: &random)]
    }
}
