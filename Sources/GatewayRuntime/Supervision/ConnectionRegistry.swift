import GatewayCore
import GatewayNetworking
import GatewayStore

/// The live connections of this process: one adapter per connected platform, with the task running it.
///
/// The store says which platforms are connected; the registry holds the objects that make it true. Supervision keeps
/// the two in step: a row that stops being `connected` (operator pause, shutdown) gets its adapter disconnected.
actor ConnectionRegistry {
    private struct Live {
        let adapter: any PlatformAdapter
        let generation: UInt64
        var runTask: Task<Void, Never>?
    }

    private var live: [String: Live] = [:]
    private var nextGeneration: UInt64 = 0

    /// Registers `adapter` as `name`'s connection, replacing (and disconnecting) any earlier one.
    /// Returns the generation that identifies this connection.
    func wire(_ name: String, adapter: any PlatformAdapter) async -> UInt64 {
        nextGeneration += 1
        let previous = live.updateValue(Live(adapter: adapter, generation: nextGeneration, runTask: nil), forKey: name)
        if let previous { await previous.adapter.disconnect() }
        return nextGeneration
    }

    func attach(_ task: Task<Void, Never>, to name: String, generation: UInt64) {
        guard live[name]?.generation == generation else { return }
        live[name]?.runTask = task
    }

    /// The connected adapter for `name`, if any.
    func adapter(for name: String) -> (any PlatformAdapter)? { live[name]?.adapter }

    /// The connected adapter for `name` and the generation of its connection, if any.
    func connection(for name: String) -> (adapter: any PlatformAdapter, generation: UInt64)? {
        live[name].map { ($0.adapter, $0.generation) }
    }

    /// Removes `name`'s connection if it is still `generation`; returns whether it was.
    func remove(_ name: String, generation: UInt64) -> Bool {
        guard live[name]?.generation == generation else { return false }
        live[name] = nil
        return true
    }

    /// Removes and disconnects `name`'s connection, whatever its generation.
    func disconnect(_ name: String) async {
        guard let entry = live.removeValue(forKey: name) else { return }
        await entry.adapter.disconnect()
    }

    var names: [String] { live.keys.sorted() }

    /// Disconnects everything and waits for the run tasks to finish.
    func disconnectAll() async {
        let entries = live
        live = [:]
        for entry in entries.values { await entry.adapter.disconnect() }
        for entry in entries.values { await entry.runTask?.value }
    }
}
