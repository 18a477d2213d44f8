import Crypto

/// SHA-256 from swift-crypto, as lowercase hex: for identifiers derived from secrets (credential fingerprints, IRC
/// send tags). Not a MAC: signatures are ``WebhookSignature``'s.
public enum Hashing {
    /// `sha256Hex(Array("abc".utf8))` → `"ba7816bf…f20015ad"`.
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

extension Hashing {
    /// SHA-256 fed piece by piece (a file read in chunks), as lowercase hex.
    ///
    /// ```swift
    /// var digest = Hashing.SHA256Digest()
    /// chunk.withUnsafeBytes { digest.update($0) }
    /// let hex = digest.hex()
    /// ```
    public struct SHA256Digest {
        private var hasher = SHA256()

        public init() {}

        public mutating func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }

        public func hex() -> String { Hashing.hex(hasher.finalize()) }
    }
}
