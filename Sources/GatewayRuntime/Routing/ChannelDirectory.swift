import GatewayCore
import GatewayNetworking
import GatewayStore
import Logging

/// Keeps each platform's persisted channel directory in step with what its adapter knows.
///
/// After a (re)connect, a non-empty list from the adapter is authoritative and replaces the directory (IRC knows its
/// joined channels at once). An empty one is not: Telegram learns chats only from messages, and Discord from
/// GUILD_CREATE after READY (none after a RESUME) — the stored directory is kept then. After inbound traffic, what
/// the adapter has learnt is added. Nothing is written when nothing changed.
actor ChannelDirectory {
    private let store: any DaemonStore
    private var known: [String: [ChannelEntry]] = [:]

    init(store: any DaemonStore) { self.store = store }

    /// After a (re)connect.
    func rebuild(platform: String, from adapter: any PlatformAdapter, log: Logger) async {
        let channels = await adapter.channels()
        guard !channels.isEmpty else {
            known[platform] = []
            return
        }
        await write(platform, log: log) { try await $0.replaceChannels(platform: platform, channels) }
        known[platform] = channels
    }

    /// After inbound traffic: adds the chats the adapter learnt since the last look.
    func refresh(platform: String, from adapter: any PlatformAdapter, log: Logger) async {
        let channels = await adapter.channels()
        let seen = known[platform] ?? []
        let new = channels.filter { !seen.contains($0) }
        guard !new.isEmpty else { return }
        await write(platform, log: log) { try await $0.upsertChannels(platform: platform, new) }
        known[platform] = channels
    }

    private func write(_ platform: String, log: Logger, _ body: (any DaemonStore) async throws -> Int64) async {
        do {
            _ = try await body(store)
            log.debug("channel directory updated", metadata: ["platform.name": "\(platform)"])
        } catch {
            log.error("cannot persist the channel directory", metadata: ["platform.name": "\(platform)", "error": "\(error)"])
        }
    }
}
