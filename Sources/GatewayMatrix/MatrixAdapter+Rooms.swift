import GatewayCore
import Logging

extension MatrixAdapter {
    /// Joins each configured room the account is not in yet. A room that refuses (not invited, banned, no such
    /// alias: 400/403/404) is logged at warning and skipped — the others work, and sends to it fail per message;
    /// any other failure (network, 5xx, 429, a revoked token) is the connection's. Returns whether it joined any.
    func joinConfiguredRooms() async throws -> Bool {
        var joined = false
        for room in settings.rooms where !isJoined(room) {
            if try await join(room) { joined = true }
        }
        return joined
    }

    /// Joins the configured rooms among a batch's invites (by room id, or by an alias in the invite's state).
    func joinInvites(_ batch: MatrixSync) async throws {
        for (room, inviteState) in batch.invited.sorted(by: { $0.key < $1.key }) where !isJoined(room) {
            let aliases = Set(inviteState.compactMap { $0.type == "m.room.canonical_alias" ? $0.alias : nil })
            guard settings.rooms.contains(where: { $0 == room || aliases.contains($0) }) else { continue }
            logger.info("invited to a configured room; joining", metadata: ["matrix.room": "\(room)"])
            _ = try await join(room)
        }
    }

    func isJoined(_ room: String) -> Bool {
        state.withLock { state in
            if MatrixIDs.isAlias(room) { return state.aliases[room].map { state.rooms[$0] != nil } ?? false }
            return state.rooms[room] != nil
        }
    }

    /// Joins `room`; false when it refused (logged).
    private func join(_ room: String) async throws -> Bool {
        do {
            let joined: MatrixRoomID = try await call(.join, .POST, "/join/\(MatrixPath.encode(room))", body: MatrixEmptyBody())
            state.withLock { state in
                if MatrixIDs.isAlias(room) { state.aliases[room] = joined.roomID }
                if state.rooms[joined.roomID] == nil {
                    state.rooms[joined.roomID] = ChannelEntry(id: joined.roomID, name: MatrixIDs.isAlias(room) ? room : joined.roomID, kind: "room")
                }
            }
            logger.info("joined matrix room", metadata: ["matrix.room": "\(room)", "matrix.room_id": "\(joined.roomID)"])
            return true
        } catch let error as AdapterError where error.isPerMessage {
            logger.warning("cannot join a configured matrix room; going on without it", metadata: [
                "matrix.room": "\(room)", "error": "\(settings.redactor.scrub(error.message))",
            ])
            return false
        }
    }

    /// The room id of a send target: itself, or an alias's room (known, or asked of `GET /directory/room/{alias}`).
    func roomID(for target: String) async throws -> String {
        guard MatrixIDs.isAlias(target) else { return target }
        if let known = state.withLock({ $0.aliases[target] }) { return known }
        let resolved: MatrixRoomID = try await call(.resolveAlias, .GET, "/directory/room/\(MatrixPath.encode(target))")
        state.withLock { $0.aliases[target] = resolved.roomID }
        return resolved.roomID
    }
}
