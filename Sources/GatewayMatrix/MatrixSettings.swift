import GatewayCore

/// A Matrix platform entry's settings, read once from its `PlatformConfig` and checked.
///
/// ```yaml
/// mx: { type: matrix, homeserver: "https://matrix.example.org", access_token: ${MX_TOKEN},
///       rooms: ["#ops:example.org", "!abc:example.org"], device_id: GATEWAYD, sync_timeout: 30s, request_timeout: 10s }
/// ```
package struct MatrixSettings: Sendable {
    static let defaultSyncTimeoutMillis: Int64 = 30_000
    static let defaultRequestTimeoutMillis: Int64 = 10_000

    /// `{scheme}://{host}[:port][/prefix]`, no trailing slash.
    let homeserver: String
    /// Sent only in the `Authorization: Bearer` header; never in a URL, a log line, an error or a row.
    let accessToken: Secret
    /// Room ids and aliases to be in (joined at connect, and when invited).
    let rooms: [String]
    /// The device the access token must belong to, when set (`whoami` says which it is).
    let deviceID: String?
    /// The long-poll `timeout` of `/sync`.
    let syncTimeoutMillis: Int64
    /// The HTTP deadline of every other call, and the margin added to the long-poll timeout.
    let requestTimeoutMillis: Int64
    /// Replaces the access token in every text the adapter builds.
    let redactor: Redactor

    /// The HTTP deadline of one `/sync`: the long-poll timeout plus the request margin. One overrun is re-sent with
    /// the same `since`; a second in a row ends the connection.
    var syncDeadlineMillis: Int64 { syncTimeoutMillis + requestTimeoutMillis }

    package init(
        homeserver: String, accessToken: Secret, rooms: [String], deviceID: String? = nil,
        syncTimeoutMillis: Int64 = defaultSyncTimeoutMillis, requestTimeoutMillis: Int64 = defaultRequestTimeoutMillis
    ) {
        self.homeserver = homeserver
        self.accessToken = accessToken
        self.rooms = rooms
        self.deviceID = deviceID
        self.syncTimeoutMillis = syncTimeoutMillis
        self.requestTimeoutMillis = requestTimeoutMillis
        redactor = Redactor(secrets: [accessToken.revealed])
    }

    /// Reads `homeserver`, `access_token`, `rooms`, `device_id`, `sync_timeout` and `request_timeout`.
    /// - Throws: `AdapterError` of class `auth`, code `config`, naming the key, when a value cannot work.
    init(_ config: PlatformConfig) throws(AdapterError) {
        func fail(_ text: String) -> AdapterError {
            AdapterError(.auth, code: "config", message: "matrix platform '\(config.name)': \(text)")
        }
        guard var base = config.options["homeserver"]?.stringValue, !base.isEmpty else {
            throw fail("homeserver is required: the homeserver's client-server API URL, e.g. https://matrix.example.org")
        }
        while base.hasSuffix("/") { base.removeLast() }
        let lowered = base.lowercased()
        let scheme = lowered.hasPrefix("https://") ? 8 : lowered.hasPrefix("http://") ? 7 : 0
        guard scheme > 0, base.count > scheme, Endpoint(url: base) != nil,
              !base.contains("?"), !base.contains("#"), !base.contains(where: \.isWhitespace)
        else {
            throw fail("homeserver must be an http:// or https:// URL without query, e.g. https://matrix.example.org")
        }
        guard let token = config.secrets["access_token"], !token.revealed.isEmpty else {
            throw fail("access_token is required")
        }
        guard token.revealed.allSatisfy({ $0.isASCII && !$0.isWhitespace && !$0.isNewline && $0 != "\0" }) else {
            throw fail("access_token must be printable ASCII without spaces (it goes into an HTTP header)")
        }
        let rooms = config.options["rooms"]?.listValue ?? []
        if let bad = rooms.first(where: { !MatrixIDs.isRoomTarget($0) }) {
            throw fail("rooms holds '\(String(bad.prefix(60)))', which is neither a room id (!opaque or !opaque:server) nor an alias (#name:server)")
        }
        let device = config.options["device_id"]?.stringValue
        if let device, device.isEmpty || device.contains(where: { $0.isWhitespace || !$0.isASCII }) {
            throw fail("device_id must be a non-empty ASCII device id without spaces")
        }
        var syncMillis = Self.defaultSyncTimeoutMillis
        if let millis = config.options["sync_timeout"]?.durationMillis {
            // At least 1 s, or an idle account would be synced in a tight loop.
            guard (1_000...300_000).contains(millis) else { throw fail("sync_timeout must be between 1s and 5m") }
            syncMillis = millis
        }
        var requestMillis = Self.defaultRequestTimeoutMillis
        if let millis = config.options["request_timeout"]?.durationMillis {
            guard (100...300_000).contains(millis) else { throw fail("request_timeout must be between 100ms and 5m") }
            requestMillis = millis
        }
        self.init(
            homeserver: base, accessToken: token, rooms: rooms, deviceID: device, syncTimeoutMillis: syncMillis,
            requestTimeoutMillis: requestMillis)
    }
}
