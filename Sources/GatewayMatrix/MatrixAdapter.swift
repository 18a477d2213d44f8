import GatewayNetworking
import AsyncHTTPClient
import GatewayCore
import Logging
import Synchronization

/// The Matrix client-server API v3 (https://spec.matrix.org/latest/client-server-api/). One adapter per attempt.
///
/// - `connect()`: `GET /account/whoami` (the credentials check: the user id, to ignore our own echoes; the device, to
///   check `device_id`), one snapshot `/sync` with `timeout=0` (the joined rooms, their names, and — on the very
///   first connect, with no stored `since` — the position to start from), then `POST /join` for each configured
///   room the account is not in yet.
/// - `run()`: `/sync` long polls in a loop; each batch is handed on with `context.handOff(…, cursors: ["since": …])`
///   and only then is the next `/sync` sent from it. A `/sync` that overruns `sync_timeout` + `request_timeout` is
///   re-sent; a second overrun in a row ends the connection (`network`). Invites to configured rooms are joined.
/// - `send()`: `PUT /rooms/{roomId}/send/m.room.message/{txnId}`, txnId from the outbox entry's delivery key, so a
///   send repeated after a crash is answered with the event first created (exactly-once; `MatrixAdapter+Send`).
///
/// Failures are classified by `MatrixFailures`. The access token is only ever in the `Authorization` header.
public final class MatrixAdapter: PlatformAdapter {
    struct State {
        var userID = ""
        /// The `next_batch` to sync from (handed off with the messages it follows).
        var since: String?
        var connected = false
        /// Joined rooms by id.
        var rooms: [String: ChannelEntry] = [:]
        /// Room aliases → room ids (configured aliases joined, canonical aliases seen, aliases resolved for sends).
        var aliases: [String: String] = [:]
    }

    let settings: MatrixSettings
    package let client: MatrixClient
    let context: AdapterContext
    let closed = Latch()
    let state = Mutex(State())
    let logger: Logger

    package init(settings: MatrixSettings, context: AdapterContext, http: HTTPClient = PlatformHTTP.client) {
        self.settings = settings
        self.context = context
        client = MatrixClient(settings: settings, http: http)
        var logger = context.logger
        logger[metadataKey: "matrix.homeserver"] = "\(Endpoint(url: settings.homeserver)?.description ?? "-")"
        self.logger = logger
    }

    public func connect() async throws {
        let stored = try await persistedSince()
        let me: MatrixWhoami = try await call(.whoami, .GET, "/account/whoami")
        if let wanted = settings.deviceID, me.deviceID != wanted {
            // The txnId scope of exactly-once sends is the device: a token of another device means someone swapped
            // the credentials, and sends could repeat. A human decides.
            throw AdapterError(
                .auth, code: "device_mismatch",
                message: "whoami: the access token belongs to device \(me.deviceID ?? "(none)"), not the configured device_id \(wanted)")
        }
        state.withLock { $0.userID = me.userID }
        let snapshot: MatrixSync = try await sync(since: nil, timeoutMillis: 0, filter: MatrixFilter.snapshot)
        remember(snapshot)
        if stored == nil {
            // The first connect ever starts from now: the recent timeline is history from before this gateway
            // existed (a reply to it would answer a stale question); from here on `since` is always stored.
            try await handOff([], next: snapshot.nextBatch)
        }
        state.withLock { $0.since = stored ?? snapshot.nextBatch }
        if try await joinConfiguredRooms() {
            // The rooms just joined were not in the snapshot: one more (timeout 0) gives their names. With
            // full_state, so it is not the same request: Synapse answers a repeat of a /sync from its response cache
            // for up to two minutes (SYNC_RESPONSE_CACHE_MS), which would not hold the new rooms yet.
            remember(try await sync(since: nil, timeoutMillis: 0, filter: MatrixFilter.snapshot, fullState: true))
        }
        let connected = state.withLock { state -> Bool in
            guard !closed.isOpen else { return false }
            state.connected = true
            return true
        }
        guard connected else { throw AdapterError(.network, code: "closed", message: "disconnected while connecting") }
        logger.info("matrix account authenticated", metadata: [
            "matrix.user": "\(me.userID)", "matrix.device": "\(me.deviceID ?? "-")",
            "matrix.rooms": "\(state.withLock { $0.rooms.count })", "matrix.resumed": "\(stored != nil)",
        ])
    }

    public func disconnect() async {
        state.withLock { $0.connected = false }
        closed.open()
    }

    public func channels() async -> [ChannelEntry] {
        state.withLock { $0.rooms.sorted { $0.key < $1.key }.map(\.value) }
    }

    var isConnected: Bool { state.withLock { $0.connected } && !closed.isOpen }

    /// Calls the API, turning a `MatrixFailure` into its classified `AdapterError` (an unclassified one is logged
    /// at warning). Cancellation passes through as `CancellationError`.
    func call<Result: Decodable>(
        _ call: MatrixCall, _ method: MatrixMethod, _ path: String, query: [(String, String)] = [],
        body: (any Encodable & Sendable)? = nil, deadlineMillis: Int64? = nil, as _: Result.Type = Result.self
    ) async throws -> Result {
        do {
            return try await client.call(
                call, method, path, query: query, body: body, deadlineMillis: deadlineMillis ?? settings.requestTimeoutMillis)
        } catch let failure as MatrixFailure {
            throw classified(failure)
        }
    }

    func classified(_ failure: MatrixFailure) -> AdapterError {
        let error = MatrixFailures.classify(failure)
        if !error.classified {
            logger.warning("unclassified matrix failure; treating it as network", metadata: [
                "matrix.call": "\(failure.call.rawValue)", "error": "\(settings.redactor.scrub(error.message))",
            ])
        }
        return error
    }

    /// `GET /sync` with `timeout` always set (it defaults to 0: a tight loop) and the filter inline.
    /// Throws the unclassified `MatrixFailure` (the sync loop tells an overrun deadline apart).
    func rawSync(since: String?, timeoutMillis: Int64, filter: String, fullState: Bool = false) async throws -> MatrixSync {
        var query = [("timeout", String(timeoutMillis)), ("filter", filter)]
        if let since { query.append(("since", since)) }
        if fullState { query.append(("full_state", "true")) }
        return try await client.call(
            .sync, .GET, "/sync", query: query, deadlineMillis: timeoutMillis + settings.requestTimeoutMillis)
    }

    /// ``rawSync(since:timeoutMillis:filter:)``, its failure classified.
    func sync(since: String?, timeoutMillis: Int64, filter: String, fullState: Bool = false) async throws -> MatrixSync {
        do {
            return try await rawSync(since: since, timeoutMillis: timeoutMillis, filter: filter, fullState: fullState)
        } catch let failure as MatrixFailure {
            throw classified(failure)
        }
    }

    /// Hands `messages` on with `next` as the new `since`, in one transaction.
    func handOff(_ messages: [InboundMessage], next: String) async throws {
        do {
            try await context.handOff(messages, cursors: ["since": next])
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw AdapterError(
                .network, code: "handoff",
                message: "cannot hand on \(messages.count) received message(s); the sync position stays: \(settings.redactor.scrub("\(error)"))")
        }
    }

    /// Remembers the joined rooms of a `/sync`, their names and canonical aliases.
    func remember(_ sync: MatrixSync) {
        state.withLock { state in
            for (id, room) in sync.joined {
                let (name, alias) = MatrixInbound.names(in: room.state)
                if let alias { state.aliases[alias] = id }
                let known = state.rooms[id]
                let shown = name ?? alias ?? (known?.name != id ? known?.name : nil) ?? id
                state.rooms[id] = ChannelEntry(id: id, name: shown, kind: "room")
            }
        }
    }

    private func persistedSince() async throws -> String? {
        do { return try await context.cursor("since") } catch {
            throw AdapterError(.server, code: "cursor", message: "cannot read the persisted sync position: \(error)")
        }
    }
}

/// The HTTP methods the adapter uses.
enum MatrixMethod {
    case GET, POST, PUT
}
