import GatewayNetworking
import GatewayCore
/// Keeps `sendMessage` within Telegram's limits and each chat's messages in order.
///
/// - Order: one send at a time per chat, first come first served (`acquire`/`release`), so the parts of a long
///   text — and consecutive messages to one chat — arrive in the order they were given.
/// - Pace (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this): at most one message
///   per second per chat, 20 per minute per group, 30 per second overall; and nothing to a chat before the
///   `retry_after` of a 429 it received. `reserve` books the earliest slot that respects all of them.
///
/// Times are the injected `GatewayClock`'s, so tests drive the pacing by advancing a manual clock.
actor TelegramSendPacer {
    static let perChatSpacingMillis: Int64 = 1_000
    static let groupWindow = (limit: 20, millis: Int64(60_000))
    static let globalWindow = (limit: 30, millis: Int64(1_000))

    private let clock: any GatewayClock
    /// Chats with a send in progress, and who waits for each (FIFO).
    private var busy: [String: [CheckedContinuation<Void, Never>]] = [:]
    /// Booked send times per chat (the last 20), and overall (sorted, the last minute).
    private var chatSlots: [String: [Int64]] = [:]
    private var globalSlots: [Int64] = []
    private var notBefore: [String: Int64] = [:]

    init(clock: any GatewayClock) { self.clock = clock }

    /// Waits until no other send to `chat` is in progress, then holds the chat until `release`.
    func acquire(_ chat: String) async {
        guard busy[chat] != nil else {
            busy[chat] = []
            return
        }
        await withCheckedContinuation { busy[chat, default: []].append($0) }
    }

    /// Hands the chat to the next waiter, or frees it.
    func release(_ chat: String) {
        guard var waiters = busy[chat], !waiters.isEmpty else {
            busy[chat] = nil
            return
        }
        let next = waiters.removeFirst()
        busy[chat] = waiters
        next.resume()
    }

    /// Books the earliest time (clock ms) a message to `chat` may go, and returns it.
    func reserve(_ chat: String, isGroup: Bool) -> Int64 {
        let now = clock.nowMillis()
        prune(now: now)
        var slot = max(now, notBefore[chat] ?? now)
        let mine = chatSlots[chat] ?? []
        if let last = mine.last { slot = max(slot, last + Self.perChatSpacingMillis) }
        if isGroup, mine.count >= Self.groupWindow.limit {
            slot = max(slot, mine[mine.count - Self.groupWindow.limit] + Self.groupWindow.millis)
        }
        slot = earliestGlobal(from: slot)
        chatSlots[chat] = Array((mine + [slot]).suffix(Self.groupWindow.limit))
        globalSlots.insert(slot, at: globalSlots.firstIndex { $0 > slot } ?? globalSlots.endIndex)
        return slot
    }

    /// Nothing more to `chat` before `until` (a 429's retry_after).
    func block(_ chat: String, until: Int64) {
        notBefore[chat] = max(notBefore[chat] ?? until, until)
    }

    /// The first time ≥ `slot` with fewer than 30 booked sends in the second before it.
    private func earliestGlobal(from slot: Int64) -> Int64 {
        var slot = slot
        while true {
            let window = globalSlots.filter { $0 > slot - Self.globalWindow.millis && $0 <= slot }
            guard window.count >= Self.globalWindow.limit, let first = window.first else { return slot }
            slot = first + Self.globalWindow.millis
        }
    }

    private func prune(now: Int64) {
        let horizon = now - Self.groupWindow.millis
        globalSlots.removeAll { $0 <= horizon }
        chatSlots = chatSlots.filter { ($0.value.last ?? 0) > horizon }
        notBefore = notBefore.filter { $0.value > now }
    }
}
