import Foundation

/// One platform's server as the adapter conformance suite drives it: a real server (ngircd, Synapse) or a local
/// stand-in that speaks the documented wire format (Telegram, Discord, Slack). The suite (``AdapterConformanceTests``)
/// runs the built `gatewayd` against it with one body for every platform; each platform only says how to start,
/// stop and talk to its server.
///
/// A server is made once per test by its type's `static func make() async throws -> Self` and released by ``shutdown()``.
protocol ConformanceServer: AnyObject, Sendable {
    /// The `platforms:` entry for a platform named `name`, as a one-line YAML flow mapping (`{ type: …, … }`),
    /// secrets as `${VARIABLE}` references to ``environment``. With `validCredential: false`, the same entry with a
    /// credential the server rejects (a wrong token, a wrong password).
    func platformYAML(name: String, validCredential: Bool) -> String
    /// The environment the YAML's `${…}` references need (the secrets, valid and invalid).
    var environment: [String: String] { get }
    /// Every secret in ``environment``: none may reach a log line, an event, a row or a database byte.
    var secrets: [String] { get }
    /// The chat (channel, room, chat id) the suite sends to and receives from, as a `POST /v1/messages` target.
    var chat: String { get }
    /// Whether what users post while the daemon is down reaches it after a restart (false for IRC: no history).
    var keepsHistory: Bool { get }

    /// How many logins (credential checks: getMe, IDENTIFY, whoami, apps.connections.open, NICK/USER) the server
    /// has seen, valid or not.
    func logins() async -> Int
    /// The server goes away: every connection is dropped and its port refuses.
    func stop() async
    /// The server comes back on the same port with the same state (users, rooms, history).
    func start() async throws
    /// A user posts `texts` into ``chat``, in this order; returns when the server has them.
    func post(_ texts: [String]) async throws
    /// The texts the bot has sent into ``chat``, in the order the server received them (asked only while the server
    /// runs: a real one is asked over its API).
    func delivered() async throws -> [String]
    /// Releases everything the server holds (processes, temporary directories).
    func shutdown() async
}
