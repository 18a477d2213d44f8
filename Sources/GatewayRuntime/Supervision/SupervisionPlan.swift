import GatewayCore

/// What supervision derives from the configuration once: each platform's login budget (keyed by its endpoint, or
/// its type when it connects nowhere) and the endpoints to probe (those with a platform whose `probe` is on, at
/// the shortest interval asked for).
struct SupervisionPlan {
    var loginRules: [String: LoginPacer.Rule] = [:]
    var probeTargets: [String: ProbeSchedule.Target] = [:]
    /// Each platform's endpoint (``Endpoint/description``), stored in its row.
    var endpoints: [String: String] = [:]

    init(config: GatewayConfig, probing: any ReachabilityProbing, kinds: [PlatformKind]) {
        let budgets = Dictionary(kinds.map { ($0.type, $0.loginBudget) }, uniquingKeysWith: { first, _ in first })
        for platform in config.platforms where platform.enabled {
            let endpoint = probing.endpoint(for: platform)
            let key = endpoint?.description ?? "type:\(platform.type.rawValue)"
            endpoints[platform.name] = endpoint?.description
            loginRules[platform.name] = LoginPacer.Rule(
                key: key, budget: budgets[platform.type] ?? LoginBudget(logins: 20, windowMillis: 1_000))
            guard let endpoint, let interval = platform.policy.probeIntervalMillis else { continue }
            let shortest = min(probeTargets[key]?.intervalMillis ?? .max, interval)
            probeTargets[key] = ProbeSchedule.Target(endpoint: endpoint, intervalMillis: shortest)
        }
    }
}
