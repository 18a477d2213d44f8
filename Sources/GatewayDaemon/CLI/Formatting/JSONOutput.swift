import GatewayCore
import GatewayRuntime
import GatewayNetworking
import Foundation

/// The one JSON shape every `--json` output uses: sorted keys (stable diffs), pretty-printed, slashes unescaped.
enum JSONOutput {
    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// `data` as the text to print.
    static func text(_ data: Data) -> String { String(decoding: data, as: UTF8.self) }
}
