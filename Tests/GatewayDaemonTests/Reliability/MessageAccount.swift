import Foundation

/// Accounts for every outgoing message after the crash run: each one enqueued is in the outbox, `sent` — or `failed`
/// for the stated reason (the `@blocked` target refuses it) — and reached the platform at least once, in order per
/// chat. At-least-once at the platform: a duplicate is allowed only where a send was interrupted — for the simulated
/// platform only a message that was `sending` at a SIGKILL; for Telegram any message tried more than once (a
/// connection dropped after the server took the request cannot be told apart from one it never got).
struct MessageAccount: Equatable {
    var enqueued = 0
    var sent = 0
    var failedBlocked = 0
    var simulatedDuplicates = 0
    var telegramDuplicates = 0

    static func check(
        enqueued: [CrashTraffic.Enqueued], outbox: [OutboxRow], sentLog: String,
        telegramSent: [TelegramServerState.Sent], sendingAtKills: Set<Int64>, ledger: inout CrashLedger
    ) throws -> MessageAccount {
        var account = MessageAccount(enqueued: enqueued.count)
        let rows = Dictionary(uniqueKeysWithValues: outbox.map { ($0.id, $0) })
        if outbox.count != enqueued.count {
            ledger.fail("outbox: \(outbox.count) rows for \(enqueued.count) messages enqueued")
        }
        for message in enqueued {
            guard let row = rows[message.id] else {
                ledger.fail("outbox: message \(message.id) (\(message.text)) is lost")
                continue
            }
            if row.platform != message.platform || row.target != message.target || row.text != message.text {
                ledger.fail("outbox: message \(message.id) changed: \(row)")
            }
            if message.target == "@blocked" {
                if row.state == "failed" && (row.error ?? "").contains("blocked") { account.failedBlocked += 1 } else {
                    ledger.fail("outbox: \(message.text) to @blocked is \(row.state) (\(row.error ?? "")), expected failed: blocked")
                }
            } else if row.state == "sent" {
                account.sent += 1
            } else {
                ledger.fail("outbox: \(message.text) is \(row.state) after the clean run (\(row.error ?? ""))")
            }
        }

        // The simulated platform's own record of what it received.
        let lines = ((try? String(contentsOfFile: sentLog, encoding: .utf8)) ?? "").split(separator: "\n").map { line in
            let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
            return (target: parts.first ?? "", text: parts.count > 1 ? parts[1] : "")
        }
        let simulated = enqueued.filter { $0.platform != "tg" }
        account.simulatedDuplicates = checkDelivered(
            simulated.filter { $0.target != "@blocked" }, received: lines, platform: "simulated",
            mayRepeat: { sendingAtKills.contains($0.id) }, why: "was never sending at a kill", ledger: &ledger)
        if lines.contains(where: { $0.target == "@blocked" }) { ledger.fail("simulated: a message to @blocked was delivered") }

        let telegram = enqueued.filter { $0.platform == "tg" }
        account.telegramDuplicates = checkDelivered(
            telegram, received: telegramSent.map { (target: $0.chat, text: $0.text) }, platform: "telegram",
            mayRepeat: { (rows[$0.id]?.attempts ?? 0) > 1 }, why: "was tried only once", ledger: &ledger)
        return account
    }

    /// Each message arrived at least once, nothing else arrived, first arrivals keep the enqueue order per chat, and a
    /// repeat is allowed only where `mayRepeat` says. Returns the number of repeats.
    private static func checkDelivered(
        _ messages: [CrashTraffic.Enqueued], received: [(target: String, text: String)], platform: String,
        mayRepeat: (CrashTraffic.Enqueued) -> Bool, why: String, ledger: inout CrashLedger
    ) -> Int {
        var counts: [String: Int] = [:]
        var firstOrder: [String: [String]] = [:]
        for item in received {
            counts[item.text, default: 0] += 1
            if counts[item.text] == 1 { firstOrder[item.target, default: []].append(item.text) }
        }
        var duplicates = 0
        for message in messages {
            let count = counts.removeValue(forKey: message.text) ?? 0
            if count == 0 { ledger.fail("\(platform): \(message.text) was never delivered") }
            if count > 1 {
                duplicates += count - 1
                if !mayRepeat(message) { ledger.fail("\(platform): \(message.text) delivered \(count) times but \(why)") }
            }
        }
        if !counts.isEmpty { ledger.fail("\(platform): delivered but never enqueued: \(counts.keys.sorted().prefix(5))") }
        for (target, texts) in firstOrder {
            let expected = messages.filter { $0.target == target }.map(\.text)
            if texts != expected { ledger.fail("\(platform): chat \(target) got its messages out of order") }
        }
        return duplicates
    }
}
