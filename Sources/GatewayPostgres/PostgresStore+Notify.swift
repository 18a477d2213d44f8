import PostgresNIO

/// Operator changes reach the daemons at once (LISTEN/NOTIFY instead of SQLite's `data_version` polling): an
/// operator's write notifies the channel in its transaction — delivered only if it commits — with the platform's
/// name; each daemon listens on a connection of its own and re-reads the rows it owns.
extension PostgresStore {
    /// The channel operator writes are announced on.
    public static let operatorChannel = "gatewayd_operator"

    /// Listens for operator writes until cancelled, calling `onChange` with each platform's name (in commit order).
    /// `onListening` runs once the server confirmed the LISTEN: a write that commits after it is never missed.
    /// Throws `FleetStoreError` when the connection cannot be made or is lost — the caller listens again, and should
    /// then re-read its rows (what was written meanwhile was not announced to it).
    public func listenForOperatorChanges(
        onListening: @Sendable () async -> Void = {}, _ onChange: @Sendable (String) async -> Void
    ) async throws {
        let connection: PostgresConnection
        do { connection = try await Self.connectAlone(location, logger: logger) } catch {
            throw FleetStoreError.wrapping(error, location, doing: "listening for operator changes")
        }
        do {
            try await connection.listen(on: Self.operatorChannel) { notifications in
                await onListening()
                for try await notification in notifications { await onChange(notification.payload) }
            }
            try? await connection.close()
        } catch is CancellationError {
            try? await connection.close()
        } catch {
            try? await connection.close()
            if Task.isCancelled { return }
            throw FleetStoreError.wrapping(error, location, doing: "listening for operator changes")
        }
    }

    /// Announces writes made outside the state machine's transitions (messages queued through one daemon for
    /// platforms another may own), on the same channel: the owner's watcher wakes and its outbox flusher looks.
    public func announce(_ names: [String]) async throws {
        for name in Set(names).sorted() {
            _ = try await rows("announcing a write to \(name)", "SELECT pg_notify(\(Self.operatorChannel), \(name))")
        }
    }
}
