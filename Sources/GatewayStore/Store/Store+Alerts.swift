// Alert incidents: which alerts have fired and not yet recovered.

/// An open alert incident.
public struct AlertIncident: Sendable, Equatable {
    public var subject: String
    public var kind: String
    public var openedAt: Int64
    public var detail: String?

    public init(subject: String, kind: String, openedAt: Int64, detail: String?) {
        self.subject = subject
        self.kind = kind
        self.openedAt = openedAt
        self.detail = detail
    }
}

extension Store {
    /// Opens an incident; false when it is already open (the alert has fired: do not fire again).
    public func openIncident(_ incident: AlertIncident) throws -> Bool {
        try connection.transaction {
            try connection.execute(
                "INSERT INTO alert_incidents (subject, kind, opened_at, detail) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [.text(incident.subject), .text(incident.kind), .integer(incident.openedAt), incident.detail.sqlValue]) == 1
        }
    }

    /// Closes an incident; false when none was open.
    public func closeIncident(subject: String, kind: String) throws -> Bool {
        try connection.transaction {
            try connection.execute(
                "DELETE FROM alert_incidents WHERE subject = ? AND kind = ?", [.text(subject), .text(kind)]) == 1
        }
    }

    /// Every open incident.
    public func openIncidents() throws -> [AlertIncident] {
        try connection.rows("SELECT subject, kind, opened_at, detail FROM alert_incidents ORDER BY opened_at, subject, kind") {
            AlertIncident(subject: $0.string(0), kind: $0.string(1), openedAt: $0.int64(2), detail: $0.optionalString(3))
        }
    }

    /// Records an alert delivery (or its failure) in the platform's history.
    public func recordAlertEvent(platform: String, sent: Bool, detail: String) throws {
        let now = now()
        try connection.transaction {
            guard let record = try readRecord(platform) else { return }
            try appendEvent(PlatformEvent(
                platform: platform, at: now, kind: sent ? .alertSent : .alertFailed, fromState: record.state,
                toState: record.state, attempt: nil, errorClass: nil, detail: detail, actor: "alerts"))
        }
    }
}
