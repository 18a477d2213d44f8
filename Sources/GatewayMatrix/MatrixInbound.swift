import GatewayCore

/// Turns `/sync` timeline events into inbound messages.
enum MatrixInbound {
    /// An `m.room.message` with a text body from someone else, as an inbound message (id = event id, chat = room
    /// id); nil for any other event, one without an event id or body, and the bot's own echoes (`ownUser`).
    static func message(from event: MatrixEvent, room: String, ownUser: String, platform: String) -> InboundMessage? {
        guard event.type == "m.room.message", let id = event.eventID, let sender = event.sender, sender != ownUser,
              let body = event.body
        else { return nil }
        let replyTo = event.inReplyTo.flatMap { MatrixIDs.isEventID($0) ? $0 : nil }
        return InboundMessage(
            platform: platform, id: id, chat: room, sender: sender,
            text: replyTo == nil ? body : withoutReplyFallback(body),
            sentAt: event.originServerTS, replyTo: replyTo, chatKind: .group)
    }

    /// A reply's body without the quoted fallback older clients put in front (`> <@u:s> quoted` lines and one blank
    /// line; spec v1.13 removed the fallback). A body that is all quote is kept as it is.
    static func withoutReplyFallback(_ body: String) -> String {
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first?.hasPrefix("> ") == true else { return body }
        guard let blank = lines.firstIndex(where: { !$0.hasPrefix(">") }), lines[blank].isEmpty, blank + 1 < lines.count else {
            return body
        }
        return lines[(blank + 1)...].joined(separator: "\n")
    }

    /// The room's display name from its state: `m.room.name`, else `m.room.canonical_alias`, else nil.
    static func names(in state: [MatrixEvent]) -> (name: String?, alias: String?) {
        var name: String?
        var alias: String?
        for event in state where event.stateKey == "" {
            if event.type == "m.room.name", let value = event.name, !value.isEmpty { name = value }
            if event.type == "m.room.canonical_alias", let value = event.alias, !value.isEmpty { alias = value }
        }
        return (name, alias)
    }
}
