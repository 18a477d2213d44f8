import GatewayCore
import GatewayStore
import PostgresNIO

// Alert incidents on PostgreSQL: which alerts have fired and not yet recovered — the fleet's, not one daemon's.
extension PostgresStore {
    /// Opens an incident; false when it is already open (the alert has fired: do not fire again). Across the fleet:
    /// of several daemons opening the same incident at once, exactly one gets true (the one whose row was inserted),
    /// so one alert is sent.
    ///
    /// ```swift
    /// if try await store.openIncident(AlertIncident(subject: "tg", kind: "down", openedAt: now, detail: nil)) { send() }
    /// ```
    public func openIncident(_ incident: AlertIncident) async throws -> Bool {
        try await !rows(
            "opening the '\(incident.kind)' incident of '\(incident.subject)'",
            """
            INSERT INTO alert_incidents (subject, kind, opened_at, detail)
            VALUES (\(incident.subject), \(incident.kind), \(incident.openedAt), \(incident.detail))
            ON CONFLICT DO NOTHING
            RETURNING 1
            """
        ).isEmpty
    }

    /// Closes an incident; false when none was open (as with opening, one daemon of the fleet gets true).
    public func closeIncident(subject: String, kind: String) async throws -> Bool {
        try await !rows(
            "closing the '\(kind)' incident of '\(subject)'",
            "DELETE FROM alert_incidents WHERE subject = \(subject) AND kind = \(kind) RETURNING 1"
        ).isEmpty
    }

    /// Every open incident, the oldest first.
    public func openIncidents() async throws -> [AlertIncident] {
        try await rows(
            "reading the open incidents",
            "SELECT subject, kind, opened_at, detail FROM alert_incidents ORDER BY opened_at, subject, kind"
        ).map { row in
            let (subject, kind, openedAt, detail) = try row.decode((String, String, Int64, String?).self)
            return AlertIncident(subject: subject, kind: kind, openedAt: openedAt, detail: detail)
        }
    }

    /// Records an alert delivery (or its failure) in the platform's history: an `alert_sent` / `alert_failed` event
    /// whose from and to are the row's state now. Nothing is written for a platform the database does not have (the
    /// daemon's own alerts have no row). `actor` is who sent it (the SQLite store writes `alerts`).
    public func recordAlertEvent(platform: String, sent: Bool, detail: String, actor: String) async throws {
        let now = now()
        try await transaction("recording an alert of '\(platform)'") { [self] connection in
            // FOR SHARE: the state written is the state the row has until this commits.
            guard let text = try await connection.query(
                "SELECT state FROM platforms WHERE name = \(platform) FOR SHARE", logger: logger
            ).collect().first?.decode(String.self) else { return }
            guard let state = PlatformState(rawValue: text) else {
                throw FleetStoreError.corruptRow(table: "platforms", key: platform, detail: "unknown state '\(text)'")
            }
            try await Self.append(
                PlatformEvent(
                    platform: platform, at: now, kind: sent ? .alertSent : .alertFailed, fromState: state, toState: state,
                    attempt: nil, errorClass: nil, detail: detail, actor: actor),
                on: connection, logger: logger)
        }
    }
}
