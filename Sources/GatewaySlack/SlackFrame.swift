/// One Socket Mode frame (https://docs.slack.dev/apis/events-api/using-socket-mode): `hello`, `disconnect`, or an
/// envelope (`events_api`, `slash_commands`, `interactive`) that must be acknowledged with its `envelope_id`.
struct SlackFrame: Sendable, Equatable {
    let type: String
    let envelopeID: String?
    let payload: SlackJSON?
    /// `disconnect`'s `reason`.
    let reason: String?
    /// How often Slack delivered this envelope before (0 the first time); with `retry_reason`.
    let retryAttempt: Int64?
    let retryReason: String?
    /// `hello`'s `num_connections`: the app's open Socket Mode connections, this one included.
    let numConnections: Int64?

    /// Nil when `text` is not a JSON object with a `type`.
    init?(text: String) {
        guard let json = SlackJSON(parsing: text), let type = json["type"]?.string else { return nil }
        self.type = type
        envelopeID = json["envelope_id"]?.string
        payload = json["payload"]
        reason = json["reason"]?.string
        retryAttempt = json["retry_attempt"]?.int
        retryReason = json["retry_reason"]?.string
        numConnections = json["num_connections"]?.int
    }

    /// The acknowledgement Slack expects for an envelope: `{"envelope_id": "…"}`.
    static func ack(_ envelopeID: String) -> String {
        SlackJSON.object(["envelope_id": .string(envelopeID)]).text
    }
}
