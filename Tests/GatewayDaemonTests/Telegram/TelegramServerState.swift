import Foundation

/// The local Telegram server's memory: the update queue with offset confirmation, long-poll waiters, sent
/// messages, and the faults a test injected. Survives a server stop/start (a restart of the process, not of Telegram).
actor TelegramServerState {
    /// How a held request was woken.
    enum Wake: Sendable { case changed, timedOut, dropped }

    struct Sent: Sendable, Equatable {
        let chat: String
        let text: String
        let messageID: Int64
        /// The message it threads under (`reply_parameters`), when that message exists.
        var replyTo: Int64? = nil
    }

    struct Poll: Sendable, Equatable {
        let offset: Int64?
        let limit: Int
        let timeout: Int
    }

    let token: String
    private var pending: [(id: Int64, json: [String: any Sendable])] = []
    private var nextUpdateID: Int64 = 5_000
    private var nextMessageID: Int64 = 100
    private(set) var sent: [Sent] = []
    /// Every message that exists, as `<chat>:<message_id>` (queued as updates, or sent): what a reply may answer.
    private var existing: Set<String> = []
    private(set) var polls: [Poll] = []
    /// Requests per method, e.g. how many `getMe` calls arrived.
    private(set) var calls: [String: Int] = [:]
    private var faults: [String: [(fault: TelegramServerFault, remaining: Int?)]] = [:]
    private var waiters: [UUID: CheckedContinuation<Wake, Never>] = [:]
    private var timers: [UUID: Task<Void, Never>] = [:]
    /// Requests being held right now (long polls waiting, hung requests).
    private(set) var held = 0
    /// `getUpdates` being answered right now, and how many arrived while another was (two clients polling one token).
    private(set) var pollsInProgress = 0
    private(set) var overlappingPolls = 0
    /// Answer a poll that overlaps another with 409, as Telegram does ("terminated by other getUpdates request").
    private(set) var conflictOnOverlap = false

    func answerOverlapsWithConflict() { conflictOnOverlap = true }

    /// A `getUpdates` begins; false when it must be refused with 409 (it overlaps another and that is asked for).
    func beginPoll() -> Bool {
        if pollsInProgress > 0 {
            overlappingPolls += 1
            if conflictOnOverlap { return false }
        }
        pollsInProgress += 1
        return true
    }

    func endPoll() { pollsInProgress -= 1 }

    init(token: String) { self.token = token }

    // MARK: - Test controls

    /// Queues a text message update; returns its update_id.
    @discardableResult
    func enqueueMessage(_ text: String, chat: Int64 = 42, from user: Int64 = 7, kind: String = "message") -> Int64 {
        enqueueMessages([text], chat: chat, from: user, kind: kind)[0]
    }

    /// Queues several text messages at once (one wake-up, so one held poll sees them all); returns their update_ids.
    @discardableResult
    func enqueueMessages(_ texts: [String], chat: Int64 = 42, from user: Int64 = 7, kind: String = "message") -> [Int64] {
        var ids: [Int64] = []
        for text in texts {
            nextMessageID += 1
            var message: [String: any Sendable] = [
                "message_id": nextMessageID, "date": 1_800_000_000, "text": text,
                "chat": ["id": chat, "type": chat < 0 ? "group" : "private", "title": "chat \(chat)"] as [String: any Sendable],
            ]
            if kind != "channel_post" {
                message["from"] = ["id": user, "is_bot": false, "first_name": "User \(user)"] as [String: any Sendable]
            }
            if kind == "edited_message" { message["edit_date"] = 1_800_000_100 }
            existing.insert("\(chat):\(nextMessageID)")
            ids.append(append([kind: message]))
        }
        wakeAll(.changed)
        return ids
    }

    /// Queues an update of any shape (`update_id` is added); returns its update_id.
    @discardableResult
    func enqueue(_ update: [String: any Sendable]) -> Int64 {
        defer { wakeAll(.changed) }
        return append(update)
    }

    private func append(_ update: [String: any Sendable]) -> Int64 {
        nextUpdateID += 1
        var json = update
        json["update_id"] = nextUpdateID
        pending.append((nextUpdateID, json))
        return nextUpdateID
    }

    /// The next `times` requests to `method` (nil: all of them until `clearFaults`) get `fault`.
    func inject(_ fault: TelegramServerFault, on method: String, times: Int? = 1) {
        faults[method, default: []].append((fault, times))
    }

    func clearFaults() { faults = [:] }

    /// Ends every held request with a dropped connection.
    func dropHeldRequests() { wakeAll(.dropped) }

    /// Updates not yet confirmed by an offset.
    var pendingIDs: [Int64] { pending.map(\.id) }

    // MARK: - Used by the server

    func record(_ method: String) { calls[method, default: 0] += 1 }

    /// Every `getUpdates` that arrived with the right token, faulted or not.
    func recordPoll(_ poll: Poll) { polls.append(poll) }

    /// The fault for this request to `method`, if one is injected (consumes one use).
    func takeFault(for method: String) -> TelegramServerFault? {
        guard var queue = faults[method], !queue.isEmpty else { return nil }
        let fault = queue[0].fault
        if let remaining = queue[0].remaining {
            if remaining <= 1 { queue.removeFirst() } else { queue[0].remaining = remaining - 1 }
        }
        faults[method] = queue
        return fault
    }

    /// One step of a `getUpdates`: confirms everything below `offset`, then returns at most `limit` updates; when
    /// there are none, waits (at most `remaining`) in the same actor turn, so no enqueue can slip in between.
    func poll(offset: Int64?, limit: Int, remaining: Duration) async -> PollStep {
        if let offset, offset > 0 { pending.removeAll { $0.id < offset } }
        let batch = pending.prefix(max(1, min(100, limit))).map(\.json)
        if !batch.isEmpty { return .batch(Array(batch)) }
        guard remaining > .zero else { return .woke(.timedOut) }
        return .woke(await wait(timeout: remaining))
    }

    enum PollStep: Sendable {
        case batch([[String: any Sendable]])
        case woke(Wake)
    }

    /// The messages delivered under `.acceptThenHang` (the last of `sent` each time), whose answer was withheld.
    private(set) var acceptedThenHung: [Sent] = []

    func recordAcceptedThenHung() { if let last = sent.last { acceptedThenHung.append(last) } }

    func recordSent(chat: String, text: String, replyTo: Int64? = nil) -> Int64 {
        nextMessageID += 1
        existing.insert("\(chat):\(nextMessageID)")
        sent.append(Sent(chat: chat, text: text, messageID: nextMessageID, replyTo: replyTo))
        return nextMessageID
    }

    /// Whether message `id` exists in `chat` (a reply can thread under it).
    func exists(chat: String, id: Int64) -> Bool { existing.contains("\(chat):\(id)") }

    /// Makes message `id` of `chat` exist (an update queued with ``enqueue(_:)`` names its own ids).
    func markExisting(chat: String, id: Int64) { existing.insert("\(chat):\(id)") }

    /// Holds the caller until an update is queued (`.changed`), `timeout` passes, or a drop.
    func wait(timeout: Duration?) async -> Wake {
        let id = UUID()
        held += 1
        defer { held -= 1 }
        if let timeout {
            timers[id] = Task { [weak self] in
                try? await Task.sleep(for: timeout)
                await self?.wake(id, .timedOut)
            }
        }
        return await withCheckedContinuation { waiters[id] = $0 }
    }

    private func wake(_ id: UUID, _ wake: Wake) {
        timers.removeValue(forKey: id)?.cancel()
        waiters.removeValue(forKey: id)?.resume(returning: wake)
    }

    private func wakeAll(_ wake: Wake) {
        for id in Array(waiters.keys) { self.wake(id, wake) }
    }
}
