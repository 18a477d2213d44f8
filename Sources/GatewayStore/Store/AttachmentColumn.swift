import Foundation
import GatewayCore

/// The inbox's `attachments` column: a JSON array (NULL when there are none), readable with `json_each` in sqlite3
/// (and as `jsonb` in PostgreSQL: the fleet's store writes the same text).
public enum AttachmentColumn {
    public static func encode(_ attachments: [Attachment]) -> String? {
        guard !attachments.isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(attachments)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The stored array; an element the column's schema does not describe (an operator's hand edit) is skipped,
    /// the others are kept.
    public static func decode(_ text: String?) -> [Attachment] {
        guard let text, let elements = try? JSONDecoder().decode([Lenient].self, from: Data(text.utf8)) else { return [] }
        return elements.compactMap(\.attachment)
    }

    private struct Lenient: Decodable {
        let attachment: Attachment?
        init(from decoder: any Decoder) throws { attachment = try? Attachment(from: decoder) }
    }
}
