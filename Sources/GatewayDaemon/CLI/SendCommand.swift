import ArgumentParser
import Foundation
import GatewayStore

/// `gatewayd send <platform> <target> <text>`: queues a message in the outbox; a running daemon sends it at once if
/// the platform is connected, or right after it reconnects.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Queue a message for a platform; it is sent now, or as soon as the platform is back.",
        discussion: "Prints the outbox id. Exit 1 for an unknown platform, an empty or too long text, or an empty target."
    )

    @OptionGroup var options: StoreOptions

    @Argument(help: "The platform's name.") var platform: String
    @Argument(help: "The chat, channel or nick.") var target: String
    @Argument(help: "The text (use - to read it from standard input).") var text: String

    @Option(name: .long, help: "Give up if not sent within this long, e.g. 10m.") var ttl: String?
    @Option(name: .long, help: "Enqueue at most once per key (safe to retry).") var idempotencyKey: String?
    @Flag(name: .long, help: "Print the outbox entry as JSON.") var json = false

    func run() async throws {
        var body = text
        if text == "-" {
            body = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            if body.hasSuffix("\n") { body.removeLast() }
        }
        var expiresAt: Int64?
        if let ttl {
            guard let millis = DurationText.millis(ttl), millis > 0 else {
                throw StoreOptions.fail("--ttl: '\(ttl)' is not a duration (e.g. 30s, 10m)", exitCode: ExitCode.validationFailure.rawValue)
            }
            expiresAt = SystemWallClock().nowMillis() + millis
        }
        let text = body
        let entry = try await options.withStore { store in
            do {
                return try await DeliveryRouter.enqueue(
                    store: store, platform: platform, target: target, text: text, expiresAt: expiresAt,
                    idempotencyKey: idempotencyKey)
            } catch let error as DeliveryError {
                throw StoreOptions.fail("\(platform): \(error.description)", exitCode: ExitCode.failure.rawValue)
            }
        }
        if json {
            print(JSONOutput.text(try JSONOutput.encode(OutboxJSON(entry))))
        } else {
            print("queued \(entry.id) for \(entry.platform) → \(entry.target)")
        }
    }
}

/// One outbox entry in JSON.
struct OutboxJSON: Encodable {
    let id: Int64, platform: String, target: String, state: String, createdAt: Int64, expiresAt: Int64?
    let attempts: Int, sentAt: Int64?, platformIDs: [String], error: String?

    init(_ entry: OutboxEntry) {
        id = entry.id
        platform = entry.platform
        target = entry.target
        state = entry.state.rawValue
        createdAt = entry.createdAt
        expiresAt = entry.expiresAt
        attempts = entry.attempts
        sentAt = entry.sentAt
        platformIDs = entry.platformIDs
        error = entry.error
    }

    enum CodingKeys: String, CodingKey {
        case id, platform, target, state, attempts, error
        case createdAt = "created_at", expiresAt = "expires_at", sentAt = "sent_at", platformIDs = "platform_ids"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(platform, forKey: .platform)
        try c.encode(target, forKey: .target)
        try c.encode(state, forKey: .state)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(expiresAt, forKey: .expiresAt)
        try c.encode(attempts, forKey: .attempts)
        try c.encode(sentAt, forKey: .sentAt)
        try c.encode(platformIDs, forKey: .platformIDs)
        try c.encode(error, forKey: .error)
    }
}
