import GatewayCore

/// What supervision derives from the configuration once: each platform's login budget (keyed by its endpoint, or
/// its type when it connects nowhere) and the endpoints to probe (those with a platform whose `probe` is on, at
/// the shortest interval asked for).
struct SupervisionPlan {
    /// Each distinct login rule once, and every platform's index into them (a rule per name was 12 MB at 100,000).
    var loginRules: [LoginPacer.Rule] = []
    var ruleIndex: [String: Int32] = [:]
    var probeTargets: [String: ProbeSchedule.Target] = [:]
    /// Each platform's endpoint (``Endpoint/description``), stored in its row.
    var endpoints: [String: String] = [:]

    init(config: GatewayConfig, probing: any ReachabilityProbing, kinds: [PlatformKind]) {
        let budgets = Dictionary(kinds.map { ($0.type, $0.loginBudget) }, uniquingKeysWith: { first, _ in first })
        var ruleOf: [String: Int32] = [:]
        ruleIndex.reserveCapacity(config.platforms.count)
        for platform in config.platforms where platform.enabled {
            let endpoint = probing.endpoint(for: platform)
            let key = endpoint?.description ?? "type:\(platform.type.rawValue)"
            endpoints[platform.name] = endpoint?.description
            if let index = ruleOf[key] {
                ruleIndex[platform.name] = index
            } else {
                let index = Int32(loginRules.count)
                loginRules.append(LoginPacer.Rule(key: key, budget: budgets[platform.type] ?? LoginBudget(logins: 20, windowMillis: 1_000)))
                ruleOf[key] = index
                ruleIndex[platform.name] = index
            }
            guard let endpoint, let interval = platform.policy.probeIntervalMillis else { continue }
            let shortest = min(probeTargets[key]?.intervalMillis ?? .max, interval)
            probeTargets[key] = ProbeSchedule.Target(endpoint: endpoint, intervalMillis: shortest)
        }
    }
}
