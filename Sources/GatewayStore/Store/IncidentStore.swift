/// Which alerts have fired and not yet recovered, the same on every backend. Opening is atomic: on a fleet's
/// database only one daemon opens an incident, so an alert fires once, not once per daemon.
public protocol IncidentStore: Sendable {
    /// Opens an incident; false when it is already open (the alert has fired: do not fire again).
    func openIncident(_ incident: AlertIncident) async throws -> Bool
    /// Closes an incident; false when none was open.
    func closeIncident(subject: String, kind: String) async throws -> Bool
    /// Every open incident.
    func openIncidents() async throws -> [AlertIncident]
    /// Records an alert delivery (or its failure) in the platform's history.
    func recordAlertEvent(platform: String, sent: Bool, detail: String) async throws
}

extension Store: IncidentStore {}
