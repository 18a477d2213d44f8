// The decoders gatewayd runs on outside input, as fuzz targets: one function per target, bytes in, no result.
// A target returns normally for every input; a crash (trap, sanitizer report) or a hang is a bug.
//
// Shared by the libFuzzer executables (Fuzz/<Name>/, built by scripts/fuzz) and by the in-process mutation tests
// (Tests/GatewayDaemonTests/Fuzz/). It reaches the decoders through their `package` entry points (visible inside
// this package only, never to a library user), so it builds in every configuration.
import Dispatch
import Synchronization

/// One fuzz target: a decoder that takes outside input, and what the adapter does with the result.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A Bot API response body (`getUpdates`, `getMe`, `sendMessage`, or an error envelope).
    case telegram
    /// Discord gateway text frames, one per line, fed to an adapter in order.
    case discord
    /// Bytes from an IRC server: framed into lines, parsed, run through registration and the session.
    case irc
    /// A configuration file, and the adapter settings and reconnect schedules built from it.
    case config

    /// Runs the target on one input.
    public func run(_ bytes: [UInt8]) async {
        switch self {
        case .telegram: await TelegramFuzz.run(bytes)
        case .discord: await DiscordFuzz.run(bytes)
        case .irc: IRCFuzz.run(bytes)
        case .config: ConfigFuzz.run(bytes)
        }
    }

    /// Runs the target on one input from synchronous code (libFuzzer's callback, on the main thread).
    ///
    /// Blocks the calling thread until the target finished: never call it from a task on the cooperative pool.
    public func runBlocking(_ bytes: UnsafeBufferPointer<UInt8>) {
        let input = Array(bytes)
        switch self {
        case .irc: IRCFuzz.run(input)
        case .config: ConfigFuzz.run(input)
        case .telegram, .discord:
            let done = DispatchSemaphore(value: 0)
            Task {
                await run(input)
                done.signal()
            }
            done.wait()
        }
    }
}

/// A broken invariant of a decoder's output: traps, so libFuzzer and the exit tests report it like a crash.
func invariant(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    if !condition { fatalError("fuzz invariant broken: \(message())", file: file, line: line) }
}
