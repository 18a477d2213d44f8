import GatewayNetworking
import AsyncHTTPClient
import GatewayCore
import Logging
import Synchronization

/// The Telegram Bot API over long polling (https://core.telegram.org/bots/api#getupdates). One adapter per attempt.
///
/// - `connect()`: reads the persisted update offset (cursor `offset`), then `getMe` — the credentials check.
/// - `run()`: `getUpdates` in a loop; each batch is handed on with `context.handOff(…, cursors: ["offset": …])` and
///   only then confirmed to Telegram (by the next `getUpdates` with the higher offset). A poll that overruns its read
///   deadline (`poll_timeout` + `request_timeout`) is sent again with the same offset; a watchdog ends the
///   connection when no poll has completed for twice that long (a half-dead link).
/// - `send()`: `sendMessage`, split at 4096 UTF-16 units, paced and ordered per chat (`TelegramSendPacer`).
///
/// Failures are classified by `TelegramFailures`. The token is part of every URL: no URL is logged, and every error
/// text passes through a redactor built with the token.
public final class TelegramAdapter: PlatformAdapter {
    struct State {
        /// The next `getUpdates` offset: last handed-off update_id + 1 (nil: none yet, the server decides).
        var offset: Int64?
        var connected = false
        var chats: [Int64: ChannelEntry] = [:]
        /// When the last `getUpdates` completed (or the connection was made): what the watchdog measures.
        var lastPollCompleted = ContinuousClock.now
    }

    let settings: TelegramSettings
    package let client: TelegramClient
    let context: AdapterContext
    let pacer: TelegramSendPacer
    let closed = Latch()
    let state = Mutex(State())
    let logger: Logger

    package init(settings: TelegramSettings, context: AdapterContext, http: HTTPClient = PlatformHTTP.client) {
        self.settings = settings
        self.context = context
        client = TelegramClient(settings: settings, http: http)
        pacer = TelegramSendPacer(clock: context.clock)
        var logger = context.logger
        logger[metadataKey: "telegram.api_host"] = "\(Self.host(of: settings.apiBase))"
        self.logger = logger
    }

    public func connect() async throws {
        let offset = try await persistedOffset()
        let me: TelegramUser = try await call(.getMe, TelegramNoParameters(), deadlineMillis: settings.requestTimeoutMillis)
        let connected = state.withLock { state -> Bool in
            guard !closed.isOpen else { return false }
            state.offset = offset
            state.connected = true
            state.lastPollCompleted = .now
            return true
        }
        guard connected else { throw AdapterError(.network, code: "closed", message: "disconnected while connecting") }
        logger.info("telegram bot authenticated", metadata: [
            "telegram.bot": "\(me.username.map { "@\($0)" } ?? String(me.id))",
            "telegram.offset": "\(offset.map(String.init) ?? "-")",
        ])
    }

    public func disconnect() async {
        state.withLock { $0.connected = false }
        closed.open()
    }

    public func channels() async -> [ChannelEntry] {
        state.withLock { $0.chats.sorted { $0.key < $1.key }.map(\.value) }
    }

    var isConnected: Bool { state.withLock { $0.connected } && !closed.isOpen }

    /// Calls `method`, turning a `TelegramFailure` into its classified `AdapterError` (and logging an unclassified
    /// one at warning). Cancellation passes through as `CancellationError`.
    func call<Parameters: Encodable & Sendable, Result: Decodable & Sendable>(
        _ method: TelegramMethod, _ parameters: Parameters, deadlineMillis: Int64, as _: Result.Type = Result.self
    ) async throws -> Result {
        do {
            return try await client.call(method, parameters, deadlineMillis: deadlineMillis)
        } catch let failure as TelegramFailure {
            throw classified(failure)
        }
    }

    func classified(_ failure: TelegramFailure) -> AdapterError {
        let error = TelegramFailures.classify(failure)
        if !error.classified {
            logger.warning("unclassified telegram failure; treating it as network", metadata: [
                "telegram.method": "\(failure.method.rawValue)", "error": "\(settings.redactor.scrub(error.message))",
            ])
        }
        return error
    }

    /// Remembers `chat` for the channel directory.
    func saw(_ chat: TelegramChat) {
        state.withLock { $0.chats[chat.id] = TelegramInbound.channel(for: chat) }
    }

    private func persistedOffset() async throws -> Int64? {
        let text: String?
        do { text = try await context.cursor("offset") } catch {
            throw AdapterError(.server, code: "cursor", message: "cannot read the persisted update offset: \(error)")
        }
        guard let text else { return nil }
        guard let offset = Int64(text) else {
            // Polling without an offset is safe: the server then returns every unconfirmed update.
            logger.warning("ignoring an unreadable persisted update offset", metadata: ["telegram.offset": "\(text)"])
            return nil
        }
        return offset
    }

    /// `https://api.telegram.org` → `api.telegram.org`: for log metadata, never the URL.
    static func host(of base: String) -> String {
        let afterScheme = base.split(separator: "://", maxSplits: 1).last.map(String.init) ?? base
        return String(afterScheme.prefix { $0 != "/" })
    }
}
