/// The shapes of Matrix identifiers the adapter accepts (spec: Appendices, "Identifier Grammar"): a room id
/// `!opaque:server` — or `!opaque` alone since room version 12, which Synapse creates by default (found against
/// Synapse 1.163) —, a room alias `#name:server`, an event id `$opaque` (room version 4+; older ones carry `:server`).
enum MatrixIDs {
    /// `!…`, `!…:server` or `#…:server`, no whitespace or control characters, at most 255 bytes (the spec's limit).
    static func isRoomTarget(_ text: String) -> Bool { isRoomID(text) || isAlias(text) }

    static func isRoomID(_ text: String) -> Bool {
        text.hasPrefix("!") && text.utf8.count > 1 && text.utf8.count <= 255 && isClean(text) && !text.hasPrefix("!:")
    }

    static func isAlias(_ text: String) -> Bool { hasSigil("#", text) }

    /// `$…`, no whitespace or control characters, at most 255 bytes.
    static func isEventID(_ text: String) -> Bool {
        text.hasPrefix("$") && text.utf8.count > 1 && text.utf8.count <= 255 && isClean(text)
    }

    static func targetRule(_ target: String) -> String {
        "'\(String(target.prefix(60)))' is not a Matrix room: a Matrix target is a room id (!opaque or !opaque:server) or a room alias (#name:server)"
    }

    static func replyRule(_ replyTo: String) -> String {
        "reply_to '\(String(replyTo.prefix(60)))' is not a Matrix event: it is an event id ($opaque)"
    }

    private static func hasSigil(_ sigil: Character, _ text: String) -> Bool {
        guard text.first == sigil, text.utf8.count <= 255, isClean(text) else { return false }
        guard let colon = text.firstIndex(of: ":") else { return false }
        // Something between the sigil and the colon, and a server name after it.
        return text.distance(from: text.startIndex, to: colon) > 1 && text.index(after: colon) < text.endIndex
    }

    private static func isClean(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { !$0.properties.isWhitespace && !(0...0x1F).contains($0.value) && $0.value != 0x7F }
    }
}
