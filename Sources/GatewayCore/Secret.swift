import Crypto

/// A credential from the configuration (a bot token, a password).
///
/// Printing, interpolating, `dump`-ing or debug-printing a secret shows `<redacted>`; the value is only reachable
/// through the explicitly named ``revealed``, so it cannot reach a log line or an error text by accident.
///
/// ```swift
/// let token = Secret("123:abc")
/// "\(token)"        // "<redacted>"
/// token.revealed    // "123:abc"
/// ```
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    public init(_ value: String) {
        self.value = value
    }

    /// The raw secret. Pass it to the platform client and nowhere else.
    public var revealed: String { value }

    public var description: String { "<redacted>" }

    public var debugDescription: String { "<redacted>" }

    /// No children, so `dump(secret)` and the default description of a type holding one stay redacted.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// Whether `candidate` is this secret, in constant time: both are hashed (SHA-256) and the digests compared with
    /// swift-crypto's constant-time equality, so neither the response time nor the length reveals a partial guess.
    public func matches(_ candidate: some StringProtocol) -> Bool {
        SHA256.hash(data: Array(candidate.utf8)) == SHA256.hash(data: Array(value.utf8))
    }
}
