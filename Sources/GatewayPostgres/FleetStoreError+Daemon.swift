// A daemon of the fleet that the database does not know.

extension FleetStoreError.Code {
    public static let unknownDaemon = FleetStoreError.Code(rawValue: "unknown_daemon")
}

extension FleetStoreError {
    /// `daemon` has no `fleet_daemons` row: it never joined this database, or its row was removed. Its heartbeat was
    /// not recorded; the caller must stop (as after SQLite's `leaseLost`) or join again.
    static func unknownDaemon(_ daemon: String, doing what: String) -> FleetStoreError {
        .init(
            .unknownDaemon,
            "daemon \(daemon) is not a member of the fleet (no fleet_daemons row: it never joined, or its row was removed): \(what) was not recorded")
    }
}
