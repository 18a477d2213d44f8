/// The parts of the client-server API's answers the adapter reads. Every optional field is decoded on its own
/// (`try?`): an event with an odd field is skipped or read without it, never a reason to fail a whole `/sync`.

/// `GET /account/whoami`.
struct MatrixWhoami: Decodable, Sendable {
    let userID: String
    let deviceID: String?

    enum CodingKeys: String, CodingKey {
        case userID = "user_id"
        case deviceID = "device_id"
    }
}

/// `POST /join/{roomIdOrAlias}` and `GET /directory/room/{alias}`.
struct MatrixRoomID: Decodable, Sendable {
    let roomID: String

    enum CodingKeys: String, CodingKey { case roomID = "room_id" }
}

/// `PUT /rooms/{roomId}/send/m.room.message/{txnId}`.
struct MatrixEventID: Decodable, Sendable {
    let eventID: String

    enum CodingKeys: String, CodingKey { case eventID = "event_id" }
}

/// `GET /sync`: the batch token and, per room, the timeline and the state the filter lets through.
struct MatrixSync: Decodable, Sendable {
    let nextBatch: String
    let joined: [String: Room]
    let invited: [String: [MatrixEvent]]

    struct Room: Decodable, Sendable {
        let timeline: [MatrixEvent]
        let state: [MatrixEvent]

        enum CodingKeys: String, CodingKey { case timeline, state }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            timeline = (try? container.decodeIfPresent(EventList.self, forKey: .timeline))?.events ?? []
            state = (try? container.decodeIfPresent(EventList.self, forKey: .state))?.events ?? []
        }
    }

    struct InvitedRoom: Decodable, Sendable {
        let inviteState: EventList?

        enum CodingKeys: String, CodingKey { case inviteState = "invite_state" }
    }

    /// `{"events": [...]}`; an event that does not decode is dropped, the others kept.
    struct EventList: Decodable, Sendable {
        let events: [MatrixEvent]

        enum CodingKeys: String, CodingKey { case events }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let lenient = (try? container.decodeIfPresent([Lenient<MatrixEvent>].self, forKey: .events)) ?? []
            events = lenient.compactMap(\.value)
        }
    }

    struct Rooms: Decodable, Sendable {
        let join: [String: Room]?
        let invite: [String: InvitedRoom]?
    }

    enum CodingKeys: String, CodingKey {
        case nextBatch = "next_batch"
        case rooms
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        nextBatch = try container.decode(String.self, forKey: .nextBatch)
        let rooms = try? container.decodeIfPresent(Rooms.self, forKey: .rooms)
        joined = rooms?.join ?? [:]
        invited = (rooms?.invite ?? [:]).mapValues { $0.inviteState?.events ?? [] }
    }
}

/// One room event (timeline or state), with the content fields the adapter reads.
struct MatrixEvent: Decodable, Sendable, Equatable {
    let type: String
    let eventID: String?
    let sender: String?
    let originServerTS: Int64?
    let stateKey: String?
    let msgtype: String?
    let body: String?
    /// `m.room.name`'s `name`, `m.room.canonical_alias`'s `alias`.
    let name: String?
    let alias: String?
    /// `m.relates_to.m.in_reply_to.event_id`.
    let inReplyTo: String?
    /// `m.room.member`'s `membership` (in invite state).
    let membership: String?

    enum CodingKeys: String, CodingKey {
        case type, sender, content
        case eventID = "event_id"
        case originServerTS = "origin_server_ts"
        case stateKey = "state_key"
    }

    enum ContentKeys: String, CodingKey {
        case msgtype, body, name, alias, membership
        case relatesTo = "m.relates_to"
    }

    enum RelationKeys: String, CodingKey { case inReplyTo = "m.in_reply_to" }

    enum ReplyKeys: String, CodingKey { case eventID = "event_id" }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(String.self, forKey: .type)
        eventID = try? container.decodeIfPresent(String.self, forKey: .eventID)
        sender = try? container.decodeIfPresent(String.self, forKey: .sender)
        originServerTS = try? container.decodeIfPresent(Int64.self, forKey: .originServerTS)
        stateKey = try? container.decodeIfPresent(String.self, forKey: .stateKey)
        let content = try? container.nestedContainer(keyedBy: ContentKeys.self, forKey: .content)
        msgtype = try? content?.decodeIfPresent(String.self, forKey: .msgtype)
        body = try? content?.decodeIfPresent(String.self, forKey: .body)
        name = try? content?.decodeIfPresent(String.self, forKey: .name)
        alias = try? content?.decodeIfPresent(String.self, forKey: .alias)
        membership = try? content?.decodeIfPresent(String.self, forKey: .membership)
        let relation = try? content?.nestedContainer(keyedBy: RelationKeys.self, forKey: .relatesTo)
        let reply = try? relation?.nestedContainer(keyedBy: ReplyKeys.self, forKey: .inReplyTo)
        inReplyTo = try? reply?.decodeIfPresent(String.self, forKey: .eventID)
    }
}

/// A value that may fail to decode without failing its array.
struct Lenient<Value: Decodable & Sendable>: Decodable, Sendable {
    let value: Value?

    init(from decoder: any Decoder) throws {
        value = try? Value(from: decoder)
    }
}

/// The bodies the adapter sends.
struct MatrixTextContent: Encodable, Sendable {
    let msgtype = "m.text"
    let body: String
    let relatesTo: Relation?

    struct Relation: Encodable, Sendable {
        let inReplyTo: Reply
        enum CodingKeys: String, CodingKey { case inReplyTo = "m.in_reply_to" }
    }

    struct Reply: Encodable, Sendable {
        let eventID: String
        enum CodingKeys: String, CodingKey { case eventID = "event_id" }
    }

    enum CodingKeys: String, CodingKey {
        case msgtype, body
        case relatesTo = "m.relates_to"
    }

    init(body: String, replyTo: String?) {
        self.body = body
        relatesTo = replyTo.map { Relation(inReplyTo: Reply(eventID: $0)) }
    }
}

/// `{}`: the body of `POST /join`.
struct MatrixEmptyBody: Encodable, Sendable {}
