import GatewayCore
import Synchronization

/// Simulated platforms (`type: simulated`): a script instead of a network, for the demo, tests and benchmarks.
public enum SimulatedKind {
    public static let kind = PlatformKind(
        type: .simulated,
        keys: [
            "script": .required(.string),
            "token": .optional(.secret),
            "sent_log": .optional(.string),
            "send_delay": .optional(.duration),
        ],
        // Any target: `@blocked` and `@slow` answer like a blocked chat and a rate limit.
        targetProblem: { _ in nil },
        checkSettings: { platform throws(AdapterError) in _ = try SimulatedPlatforms.script(of: platform) },
        maker: { SimulatedPlatforms() },
        // No network, so no endpoint to probe; its budget models a Bot-API-like server (the benchmarks' platforms).
        loginBudget: LoginBudget(logins: 20, windowMillis: 1_000))
}

/// Makes simulated adapters; keeps each platform's script position across attempts (for as long as it lives).
public final class SimulatedPlatforms: AdapterMaking {
    private let platforms = Mutex<[String: SimulatedPlatform]>([:])

    public init() {}

    public func makeAdapter(for platform: PlatformConfig, context: AdapterContext) async throws -> any PlatformAdapter {
        let state = try simulatedPlatform(platform)
        return SimulatedAdapter(platform: state, step: await state.nextStep(), clock: context.clock)
    }

    static func script(of platform: PlatformConfig) throws(AdapterError) -> SimulatedScript {
        guard case .string(let text)? = platform.options["script"] else {
            throw AdapterError(.auth, code: "config", message: "simulated platform '\(platform.name)' has no script")
        }
        // Parsing is pure: the last script parsed is kept, since a configuration of many simulated platforms (the
        // benchmarks' 100,000) repeats one script.
        if let last = lastParsed.withLock({ $0 }), last.text == text { return last.script }
        do throws(ScriptError) {
            let script = try SimulatedScript(parsing: text)
            lastParsed.withLock { $0 = (text, script) }
            return script
        } catch {
            throw AdapterError(.auth, code: "config", message: error.description)
        }
    }

    private static let lastParsed = Mutex<(text: String, script: SimulatedScript)?>(nil)

    /// The lasting state of a simulated platform (its script position and what was sent to it).
    public func simulatedPlatform(_ platform: PlatformConfig) throws -> SimulatedPlatform {
        let script = try Self.script(of: platform)
        return platforms.withLock { platforms in
            if let existing = platforms[platform.name], existing.script == script { return existing }
            let created = SimulatedPlatform(
                name: platform.name, script: script, sentLog: platform.options["sent_log"]?.stringValue,
                sendDelayMillis: platform.options["send_delay"]?.durationMillis ?? 0)
            platforms[platform.name] = created
            return created
        }
    }
}

extension PlatformType {
    /// `type: simulated`.
    public static let simulated = PlatformType("simulated")
}
