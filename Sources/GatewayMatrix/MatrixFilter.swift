/// The `/sync` filters, inline JSON (`filter={…}`; the spec allows a filter definition in place of an id). Inline
/// rather than created once with `POST /user/{userId}/filter`: no extra call at connect, and no filter id to go
/// stale when the homeserver loses it. Both keep the answer to what the adapter reads: `m.room.message` timeline
/// events and the rooms' name and canonical alias; no presence, account data, receipts or typing.
enum MatrixFilter {
    /// The long-poll filter: up to 100 timeline events per room and batch.
    static let live = filter(timelineLimit: 100)
    /// The connect-time snapshot: joined rooms and their names only, no timeline (the first connect starts from now).
    static let snapshot = filter(timelineLimit: 0)

    private static func filter(timelineLimit: Int) -> String {
        """
        {"account_data":{"not_types":["*"]},"presence":{"not_types":["*"]},\
        "room":{"account_data":{"not_types":["*"]},"ephemeral":{"not_types":["*"]},\
        "state":{"types":["m.room.name","m.room.canonical_alias"],"lazy_load_members":true},\
        "timeline":{"types":["m.room.message"],"limit":\(timelineLimit)}}}
        """
    }
}
