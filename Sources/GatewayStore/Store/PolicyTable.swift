import GatewayCore

/// Each platform's reconnect policy: the policy most platforms share once, and the names of the others pointing at
/// their distinct policies by index. At 100,000 platforms a policy per name was 27 MB, and a name per platform 5 MB.
struct PolicyTable: Sendable {
    private var common = BackoffPolicy.standard
    private var distinct: [BackoffPolicy] = []
    private var indexOf: [BackoffPolicy: Int32] = [:]
    private var byName: [String: Int32] = [:]

    /// `name`'s policy: the common one for a name set with it, or never set.
    subscript(name: String) -> BackoffPolicy { byName[name].map { distinct[Int($0)] } ?? common }

    /// Learns the configuration's policies (replacing what was learnt before): the most frequent one becomes the
    /// common policy (the global `reconnect:` in practice; `BackoffPolicy.standard` with no platforms).
    mutating func set(_ policies: [PlatformSpec]) {
        var counts: [BackoffPolicy: Int] = [:]
        for entry in policies { counts[entry.policy, default: 0] += 1 }
        var best: (policy: BackoffPolicy, count: Int)?
        for entry in policies {
            let count = counts[entry.policy] ?? 0
            if count > best?.count ?? 0 { best = (entry.policy, count) }  // ties: the first in configuration order
        }
        common = best?.policy ?? .standard
        distinct = []
        indexOf = [:]
        byName = [:]
        for spec in policies where spec.policy != common {
            let (name, policy) = (spec.name, spec.policy)
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
}
