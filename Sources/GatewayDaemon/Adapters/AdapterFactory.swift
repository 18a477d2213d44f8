import GatewayStore
import Synchronization

/// Makes a fresh adapter for each connect attempt.
public protocol AdapterMaking: Sendable {
    /// Throws `AdapterError` when no adapter can be made for this configuration (the platform then needs a human).
    func makeAdapter(for platform: PlatformConfig, context: AdapterContext) async throws -> any PlatformAdapter
}

/// The adapters gatewayd ships.
public final class AdapterFactory: AdapterMaking {
    /// Simulated platforms keep their script position across attempts (for as long as this process lives).
    private let simulated = Mutex<[String: SimulatedPlatform]>([:])

    public init() {}

    public func makeAdapter(for platform: PlatformConfig, context: AdapterContext) async throws -> any PlatformAdapter {
        switch platform.type {
        case .simulated:
            let state = try simulatedPlatform(platform)
            return SimulatedAdapter(platform: state, step: await state.nextStep(), clock: context.clock)
        case .telegram:
            return try makeTelegramAdapter(for: platform, context: context)
        case .discord:
            return try makeDiscordAdapter(for: platform, context: context)
        case .irc:
            return try makeIRCAdapter(for: platform, context: context)
        }
    }

    /// The lasting state of a simulated platform (its script position and what was sent to it).
    public func simulatedPlatform(_ platform: PlatformConfig) throws -> SimulatedPlatform {
        guard case .string(let text)? = platform.options["script"] else {
            throw AdapterError(.auth, code: "config", message: "simulated platform '\(platform.name)' has no script")
        }
        let script: SimulatedScript
        do throws(ScriptError) { script = try SimulatedScript(parsing: text) } catch {
            throw AdapterError(.auth, code: "config", message: error.description)
        }
        return simulated.withLock { platforms in
            if let existing = platforms[platform.name], existing.script == script { return existing }
            let created = SimulatedPlatform(
                name: platform.name, script: script, sentLog: platform.options["sent_log"]?.stringValue,
                sendDelayMillis: platform.options["send_delay"]?.durationMillis ?? 0)
            platforms[platform.name] = created
            return created
        }
    }
}
