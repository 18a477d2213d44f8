/// Replaces known secrets in any text with `<redacted>`. Built from the configuration's secrets, applied to every
/// error text before it is logged or stored — a second line of defence behind each adapter's own redaction.
public struct Redactor: Sendable {
    private let secrets: [String]

    /// Secrets shorter than 4 characters are ignored: scrubbing them would mangle ordinary text.
    public init(secrets: [String]) {
        self.secrets = Array(Set(secrets.filter { $0.count >= 4 })).sorted { $0.count > $1.count }
    }

    public static let none = Redactor(secrets: [])

    public func scrub(_ text: String) -> String {
        var result = text
        for secret in secrets where result.contains(secret) {
            result = result.replacing(secret, with: "<redacted>")
        }
        return result
    }
}
