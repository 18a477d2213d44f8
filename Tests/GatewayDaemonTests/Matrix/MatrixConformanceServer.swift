import Foundation

/// Matrix for the adapter conformance suite, on a real Synapse of its own: `stop()` is a SIGKILL of the homeserver
/// (connections drop, the port refuses), `start()` starts it again on the same port with the same SQLite data.
///
/// `logins()` counts `GET /_matrix/client/v3/account/whoami` requests in Synapse's own access log
/// (`synapse.access.http` at INFO, one line per finished request, answered 200 or 401 alike): whoami is the
/// adapter's credential check, the first call of every attempt, and nothing else in the suite calls it.
final class MatrixConformanceServer: ConformanceServer {
    let synapse: Synapse
    let fixture: MatrixRoomFixture
    private let validVariable: String
    private let invalidVariable: String
    private let invalidToken: String

    static func make() async throws -> MatrixConformanceServer {
        guard Synapse.isInstalled else { throw SynapseError(Synapse.missing) }
        let synapse = try await Synapse()
        return MatrixConformanceServer(synapse: synapse, fixture: try await MatrixRoomFixture.make(on: synapse, joinBot: true))
    }

    private init(synapse: Synapse, fixture: MatrixRoomFixture) {
        self.synapse = synapse
        self.fixture = fixture
        let tag = UUID().uuidString.prefix(8).uppercased().replacingOccurrences(of: "-", with: "")
        validVariable = "MX_CONFORMANCE_TOKEN_\(tag)"
        invalidVariable = "MX_CONFORMANCE_WRONG_\(tag)"
        invalidToken = "syt_wrong_\(UUID().uuidString)"
    }

    func platformYAML(name: String, validCredential: Bool) -> String {
        let variable = validCredential ? validVariable : invalidVariable
        return "{ type: matrix, homeserver: \"\(synapse.baseURL)\", access_token: ${\(variable)}, rooms: [\"\(fixture.room)\"], sync_timeout: 5s, request_timeout: 5s }"
    }

    var environment: [String: String] { [validVariable: fixture.bot.accessToken, invalidVariable: invalidToken] }
    var secrets: [String] { [fixture.bot.accessToken, invalidToken, fixture.user.accessToken, synapse.sharedSecret] }
    var chat: String { fixture.room }
    var keepsHistory: Bool { true }

    func logins() async -> Int { synapse.whoamiCount }

    func stop() async { synapse.kill9() }

    func start() async throws { try await synapse.start() }

    func post(_ texts: [String]) async throws {
        for text in texts { try await synapse.post(fixture.user, room: fixture.room, text: text) }
    }

    func delivered() async throws -> [String] {
        try await synapse.messages(in: fixture.room, reader: fixture.user).filter { $0.sender == fixture.bot.userID }.map(\.body)
    }

    func shutdown() async { synapse.shutdown() }
}
