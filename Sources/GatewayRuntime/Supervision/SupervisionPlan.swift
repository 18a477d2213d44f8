import GatewayCore

/// What supervision derives from the configuration once: where each platform is in it, each platform's endpoint and
/// login budget (keyed by its endpoint, or its type when it connects nowhere), and the endpoints to probe (those
/// with a platform whose `probe` is on, at the shortest interval asked for).
///
/// Per-platform facts are arrays by position in `config.platforms`, behind one name index: at 100,000 platforms a
/// dictionary per fact by name cost megabytes each (a rule per name was 12 MB).
struct SupervisionPlan {
    /// Each platform's position in `config.platforms`.
    let configIndex: NameIndex
    /// Each distinct login rule once.
    var loginRules: [LoginPacer.Rule] = []
    /// By position: the platform's index into `loginRules` (-1 for a disabled platform).
    var ruleOfPlatform: [Int32] = []
    /// By position: the platform's endpoint (``Endpoint/description``), stored in its row; nil for none.
    var endpoints: [String?] = []
    var probeTargets: [String: ProbeSchedule.Target] = [:]

    init(config: GatewayConfig, probing: any ReachabilityProbing, kinds: [PlatformKind]) {
        let budgets = Dictionary(kinds.map { ($0.type, $0.loginBudget) }, uniquingKeysWith: { first, _ in first })
        var ruleOf: [String: Int32] = [:]
        configIndex = NameIndex(config.platforms)
        ruleOfPlatform = Array(repeating: -1, count: config.platforms.count)
        endpoints = Array(repeating: nil, count: config.platforms.count)
        for (position, platform) in config.platforms.enumerated() {
            guard platform.enabled else { continue }
            let endpoint = probing.endpoint(for: platform)
            let key = endpoint?.description ?? "type:\(platform.type.rawValue)"
            endpoints[position] = endpoint?.description
            if let index = ruleOf[key] {
                ruleOfPlatform[position] = index
            } else {
                let index = Int32(loginRules.count)
                loginRules.append(LoginPacer.Rule(key: key, budget: budgets[platform.type] ?? LoginBudget(logins: 20, windowMillis: 1_000)))
                ruleOf[key] = index
                ruleOfPlatform[position] = index
            }
            guard let endpoint, let interval = platform.policy.probeIntervalMillis else { continue }
            let shortest = min(probeTargets[key]?.intervalMillis ?? .max, interval)
            probeTargets[key] = ProbeSchedule.Target(endpoint: endpoint, intervalMillis: shortest)
        }
    }

    /// `name`'s login rule (nil for a platform not configured, or disabled).
    func loginRule(of name: String) -> LoginPacer.Rule? {
        guard let position = configIndex[name], ruleOfPlatform[position] >= 0 else { return nil }
        return loginRules[Int(ruleOfPlatform[position])]
    }
}
