import GatewayCore

/// Each platform's reconnect policy, every distinct policy stored once and platforms pointing at it by index.
struct PolicyTable: Sendable {
    private var distinct: [BackoffPolicy] = []
    private var indexOf: [BackoffPolicy: Int32] = [:]
    private var byName: [String: Int32] = [:]

    /// `name`'s policy; `BackoffPolicy.standard` for a name never set.
    subscript(name: String) -> BackoffPolicy { byName[name].map { distinct[Int($0)] } ?? .standard }

    mutating func set(_ policy: BackoffPolicy, for name: String) {
        if let index = indexOf[policy] {
            byName[name] = index
        } else {
            let index = Int32(distinct.count)
            distinct.append(policy)
            indexOf[policy] = index
            byName[name] = index
        }
    }
}
