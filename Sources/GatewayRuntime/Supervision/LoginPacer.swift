import GatewayCore
import GatewayStore
import Synchronization

/// The login budget of every endpoint: each due platform asks for a slot before its attempt (startup, reconnect,
/// pull-forward, operator retry alike), and one given a later slot waits for it — so a thousand platforms coming back
/// together start no faster than their endpoint's budget allows.
///
/// A platform's key is its endpoint (`tls://api.telegram.org:443`), or its type for one that connects nowhere;
/// the budget is its kind's (``PlatformKind/loginBudget``). Slots live in memory: after a restart the budget starts
/// full, and rows already rescheduled to their slots keep those times.
final class LoginPacer: LoginGate {
    struct Rule: Sendable {
        var key: String
        var budget: LoginBudget
    }

    private let plan: SupervisionPlan
    private let slots = Mutex(LoginSlots())

    init(plan: SupervisionPlan) { self.plan = plan }

    func holdsSlot(for platform: String, now: Int64) -> Bool {
        slots.withLock { $0.reservation(for: platform).map { $0 > now } ?? false }
    }

    func slot(for platform: String, now: Int64) -> LoginSlotGrant {
        let rule = plan.loginRule(of: platform) ?? Rule(key: "unknown", budget: LoginBudget(logins: 20, windowMillis: 1_000))
        let start = slots.withLock { $0.slot(for: platform, key: rule.key, budget: rule.budget, now: now) }
        return LoginSlotGrant(start: start, detail: "waiting for a login slot on \(rule.key) (budget: \(rule.budget))")
    }
}
