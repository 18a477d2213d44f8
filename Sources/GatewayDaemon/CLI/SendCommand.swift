import GatewayCore
import GatewayRuntime
import GatewayNetworking
import ArgumentParser
import Foundation
import GatewayStore

/// `gatewayd send <platform> <target> <text>`: queues a message in the outbox; a running daemon sends it at once if
/// the platform is connected, or right after it reconnects. `--lines` queues each line of standard input as its own
/// message, all in one transaction.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Queue a message for a platform; it is sent now, or as soon as the platform is back.",
        discussion: """
            Prints the outbox id. Exit 1 for an unknown platform, an empty or too long text, or a target the platform can never accept (the rule is named). A negative Telegram group id goes after `--`: `gatewayd send tg -- -1001234567890 hi`.
            With --lines, every line of standard input is one message to the target, all queued in one transaction: \
            one bad line (an empty one, too) queues nothing, and the error names it ("message n"). With --idempotency-key K, line n \
            gets the key K:n, so the same command is safe to run again.
            --reply-to ID threads the message under the received message ID (its message_id in `gatewayd inbox`) \
            where the platform can (Telegram, Discord); IRC sends it unthreaded.
            """
    )

    @OptionGroup var options: StoreOptions

    @Argument(help: "The platform's name.") var platform: String
    @Argument(help: "The chat, channel or nick.") var target: String
    @Argument(help: "The text (use - to read it from standard input; omit with --lines).") var text: String?

    @Option(name: .long, help: "Give up if not sent within this long, e.g. 10m.") var ttl: String?
    @Option(name: .long, help: "Enqueue at most once per key (safe to retry).") var idempotencyKey: String?
    @Option(name: .long, help: "Answer this received message (its message_id): the reply threads under it.") var replyTo: String?
    @Flag(name: .long, help: "Queue each line of standard input as one message, in one transaction.") var lines = false
    @Flag(name: .long, help: "Print the outbox entry as JSON (a JSON array with --lines).") var json = false

    func validate() throws {
        if lines && text != nil { throw ValidationError("give either a text or --lines, not both") }
        if !lines && text == nil { throw ValidationError("missing the text (or --lines to read messages from standard input)") }
    }

    func run() async throws {
        var expiresAt: Int64?
        if let ttl {
            guard let millis = DurationText.millis(ttl), millis > 0 else {
                throw StoreOptions.fail("--ttl: '\(ttl)' is not a duration (e.g. 30s, 10m)", exitCode: ExitCode.validationFailure.rawValue)
            }
            expiresAt = SystemWallClock().nowMillis() + millis
        }
        let input = lines || text == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : nil
        var batch: [NewOutboxMessage]
        if lines {
            batch = []
            // "\r\n" is one Character in Swift: split on both line ends.
            var pieces = (input ?? "").split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
            if pieces.last?.isEmpty == true { pieces.removeLast() }  // the final newline ends a line, it is not one
            for (index, line) in pieces.enumerated() {
                let body = line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
                batch.append(NewOutboxMessage(
                    platform: platform, target: target, text: body, expiresAt: expiresAt,
                    idempotencyKey: idempotencyKey.map { "\($0):\(index + 1)" }, replyTo: replyTo))
            }
            if batch.isEmpty { throw StoreOptions.fail("\(platform): no lines on standard input", exitCode: ExitCode.failure.rawValue) }
        } else {
            var body = input ?? text ?? ""
            if input != nil, body.hasSuffix("\n") { body.removeLast() }
            batch = [NewOutboxMessage(
                platform: platform, target: target, text: body, expiresAt: expiresAt, idempotencyKey: idempotencyKey,
                replyTo: replyTo)]
        }
        let queued = batch
        let itemized = lines
        let entries = try await options.withStore { store in
            do {
                return try await DeliveryRouter.enqueue(store: store, kinds: PlatformKinds.all, batch: queued, itemized: itemized)
            } catch let error as DeliveryError {
                throw StoreOptions.fail("\(platform): \(error.description)", exitCode: ExitCode.failure.rawValue)
            }
        }
        if json {
            let encoded = lines ? try JSONOutput.encode(entries.map(OutboxJSON.init)) : try JSONOutput.encode(OutboxJSON(entries[0]))
            print(JSONOutput.text(encoded))
        } else if lines {
            print("queued \(entries.count) messages (\(entries.first?.id ?? 0)…\(entries.last?.id ?? 0)) for \(platform) → \(target)")
        } else {
            print("queued \(entries[0].id) for \(entries[0].platform) → \(entries[0].target)")
        }
    }
}

/// One outbox entry in JSON.
struct OutboxJSON: Encodable {
    let id: Int64, platform: String, target: String, state: String, createdAt: Int64, expiresAt: Int64?
    let attempts: Int, sentAt: Int64?, platformIDs: [String], error: String?, replyTo: String?

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
        replyTo = entry.replyTo
    }

    enum CodingKeys: String, CodingKey {
        case id, platform, target, state, attempts, error
        case createdAt = "created_at", expiresAt = "expires_at", sentAt = "sent_at", platformIDs = "platform_ids"
        case replyTo = "reply_to"
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
        try c.encode(replyTo, forKey: .replyTo)
    }
}
