import GatewayStore
import Logging

/// Keeps each platform's persisted channel directory in step with what its adapter knows: rebuilt after every
/// (re)connect, and again whenever the adapter has learnt new chats (Telegram learns them from incoming messages,
/// Discord from GUILD_CREATE after READY). Writes only when the list changed.
actor ChannelDirectory {
    private let store: Store
    private var persisted: [String: [ChannelEntry]] = [:]

    init(store: Store) { self.store = store }

    /// Reads `adapter`'s channels and persists them if they differ from what was stored last.
    func refresh(platform: String, from adapter: any PlatformAdapter, log: Logger) async {
        let channels = await adapter.channels()
        guard persisted[platform] != channels else { return }
        do {
            try await store.replaceChannels(platform: platform, channels)
            persisted[platform] = channels
            log.debug("channel directory rebuilt", metadata: ["platform.name": "\(platform)", "directory.channels": "\(channels.count)"])
        } catch {
            log.error("cannot persist the channel directory", metadata: ["platform.name": "\(platform)", "error": "\(error)"])
        }
    }

    /// Forgets the in-memory copy (after a reconnect the new adapter's list is written even if equal).
    func forget(platform: String) { persisted[platform] = nil }
}
