import GatewayCore
import GatewayRuntime
import GatewayNetworking
import ArgumentParser
import Foundation
import GatewayStore

/// `gatewayd outbox`: what is waiting to be sent, and why.
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox", abstract: "Show queued messages and why they wait (or failed, or expired).")

    @OptionGroup var options: StoreOptions
    @Option(name: .long, help: "Only this platform.") var platform: String?
    @Flag(name: .long, help: "Also show sent, failed and expired messages.") var all = false
    @Flag(name: .long, help: "Print JSON.") var json = false

    func run() async throws {
        let (entries, records) = try await options.withStore { store in
            (try await store.outbox(states: all ? [] : [.queued, .sending], platform: platform), try await store.platforms())
        }
        if json {
            print(JSONOutput.text(try JSONOutput.encode(entries.map(OutboxJSON.init))))
            return
        }
        guard !entries.isEmpty else {
            print(all ? "the outbox is empty" : "nothing waits to be sent")
            return
        }
        let now = SystemWallClock().nowMillis()
        let states = Dictionary(records.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var table = TextTable(
            columns: [.init("ID", alignment: .right), .init("PLATFORM"), .init("TARGET"), .init("STATE"), .init("AGE"), .init("WHY")],
            flexibleColumn: 5)
        for entry in entries {
            table.append([
                "\(entry.id)", entry.platform, entry.target, entry.state.rawValue, RelativeTime.ago(entry.createdAt, now: now),
                Self.why(entry, platform: states[entry.platform], now: now),
            ])
        }
        print(table.render(width: Terminal.outputWidth()))
    }

    /// Why a message has not gone yet, in words.
    static func why(_ entry: OutboxEntry, platform: PlatformRecord?, now: Int64) -> String {
        switch entry.state {
        case .sent: return "sent \(RelativeTime.ago(entry.sentAt ?? entry.updatedAt, now: now))"
        case .failed, .expired: return entry.error ?? entry.state.rawValue
        case .queued, .sending:
            guard let platform else { return "unknown platform" }
            if platform.state == .connected { return entry.error ?? "sending now" }
            let next = platform.nextRetryAt.map { ", next attempt \(RelativeTime.due($0, now: now))" } ?? ""
            return "platform is \(platform.state.rawValue)\(next)"
        }
    }
}

/// `gatewayd inbox`: received messages, in arrival order; `--follow` keeps printing new ones.
struct InboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox", abstract: "List received messages (with --follow, wait for new ones).")

    @OptionGroup var options: StoreOptions
    @Option(name: .long, help: "Only this platform.") var platform: String?
    @Option(name: .long, help: "Start after this inbox id.") var after: Int64 = 0
    @Flag(name: .long, help: "Keep waiting for new messages (polls the file once a second).") var follow = false
    @Flag(name: .long, help: "One JSON object per line.") var json = false

    func run() async throws {
        var last = after
        repeat {
            let entries = try await options.withStore { try await $0.inbox(platform: platform, afterID: last, limit: 500) }
            for entry in entries {
                if json {
                    print(String(decoding: InboxDispatcher.body(entry), as: UTF8.self))
                } else {
                    let time = UTCTime.iso8601(millis: entry.receivedAt, fractional: false)
                    let state = entry.deliveredAt == nil ? "pending" : "delivered"
                    print("\(entry.id)  \(time)  \(entry.platform)  \(entry.chat)  \(Self.line(entry))  [\(state)]")
                }
                last = entry.id
            }
            if follow {
                Terminal.flushOutput()
                try await Task.sleep(for: .seconds(1))
            }
        } while follow && !Task.isCancelled
    }

    /// `<sender> text`, with the sender's name when known, what it answers and the files that came with it:
    /// `<Ada (7)> see this  ↩ 42:17  [image photo.jpg 2.1 KiB]`.
    static func line(_ entry: InboxEntry) -> String {
        let sender = entry.senderName.map { "\(TextTable.sanitize($0)) (\(entry.sender))" } ?? entry.sender
        var line = "<\(sender)> \(TextTable.sanitize(entry.text))"
        if let replyTo = entry.replyTo { line += "  ↩ \(TextTable.sanitize(replyTo))" }
        for file in entry.attachments {
            let name = file.fileName.map { " " + TextTable.sanitize($0) } ?? ""
            let size = file.size.map { " " + ByteCount.describe($0) } ?? ""
            line += "  [\(file.kind.rawValue)\(name)\(size)]"
        }
        return line
    }
}
