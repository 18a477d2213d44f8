import Foundation
import GatewayCore

/// The scripted behaviour of a simulated platform, e.g. `"fail network x3, then connect, drop after 8s"`.
///
/// Steps, separated by commas (a leading "then" is allowed):
/// - `connect` — the attempt succeeds and the connection stays up;
/// - `drop after <duration> [with <class>]` — the preceding `connect` drops after that long (class default network);
/// - `fail <class> [xN]` — N attempts (default 1) fail with that class (network, rateLimited, auth, server, conflict);
/// - `retry-after <duration>` — the attempt is refused with a rate limit and that retry-after;
/// - `hang` — the attempt never returns, not even when cancelled (only the connect timeout ends it);
/// - `repeat` — only as the last item: the script starts over after its last step (a platform that flaps forever,
///   e.g. `"connect, drop after 50ms, fail network, repeat"`).
/// Attempt k plays step k; once the script is exhausted the last step repeats (or, with `repeat`, the first again).
public struct SimulatedScript: Sendable, Equatable {
    public enum Step: Sendable, Equatable {
        case connect(dropAfterMillis: Int64?, dropClass: ErrorClass)
        case fail(ErrorClass)
        case retryAfter(millis: Int64)
        case hang
    }

    /// One step per attempt (`fail x3` is three steps).
    public let steps: [Step]
    /// Whether the steps start over after the last one (`repeat`), instead of the last one repeating.
    public let cycles: Bool

    public init(parsing text: String) throws(ScriptError) {
        var steps: [Step] = []
        var cycles = false
        for raw in text.split(separator: ",") {
            var item = Self.trimmed(raw)
            if item.utf8.contains(where: { (0x41...0x5A).contains($0) }) { item = item.lowercased() }
            if item.hasPrefix("then ") { item = Self.trimmed(item.dropFirst(5)) }
            let words = item.utf8.contains(UInt8(ascii: " ")) ? item.split(separator: " ").map(String.init) : [item]
            if cycles { throw ScriptError("'repeat' must be the last step") }
            switch words.first {
            case "repeat" where words.count == 1:
                guard !steps.isEmpty else { throw ScriptError("'repeat' needs steps before it") }
                cycles = true
            case "connect" where words.count == 1:
                steps.append(.connect(dropAfterMillis: nil, dropClass: .network))
            case "drop" where words.count >= 3 && words[1] == "after":
                guard case .connect(nil, _)? = steps.last else {
                    throw ScriptError("'\(item)' must follow a 'connect' step")
                }
                let duration = try Self.duration(words[2], in: item)
                var dropClass = ErrorClass.network
                if words.count == 5 && words[3] == "with" {
                    dropClass = try Self.errorClass(words[4], in: item)
                } else if words.count != 3 {
                    throw ScriptError("'\(item)': expected 'drop after <duration> [with <class>]'")
                }
                steps[steps.count - 1] = .connect(dropAfterMillis: duration, dropClass: dropClass)
            case "fail" where words.count == 2 || words.count == 3:
                let errorClass = try Self.errorClass(words[1], in: item)
                var times = 1
                if words.count == 3 {
                    guard words[2].hasPrefix("x"), let n = Int(words[2].dropFirst()), (1...10_000).contains(n) else {
                        throw ScriptError("'\(item)': repeat as xN, e.g. x3")
                    }
                    times = n
                }
                steps += Array(repeating: .fail(errorClass), count: times)
            case "retry-after" where words.count == 2:
                steps.append(.retryAfter(millis: try Self.duration(words[1], in: item)))
            case "hang" where words.count == 1:
                steps.append(.hang)
            default:
                throw ScriptError("unknown step '\(item)' (steps: connect, drop after <duration> [with <class>], fail <class> [xN], retry-after <duration>, hang, repeat)")
            }
        }
        guard !steps.isEmpty else { throw ScriptError("the script is empty") }
        self.steps = steps
        self.cycles = cycles
    }

    /// The step attempt number `attempt` (0-based) plays.
    public func step(forAttempt attempt: Int) -> Step {
        cycles ? steps[max(0, attempt) % steps.count] : steps[min(attempt, steps.count - 1)]
    }

    /// Without spaces and tabs at either end (Foundation's `trimmingCharacters` cost 3 µs a script: 100,000
    /// simulated platforms are checked at every start).
    private static func trimmed(_ text: Substring) -> String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !blank($0) }), let last = text.lastIndex(where: { !blank($0) }) else { return "" }
        return String(text[first...last])
    }

    private static func errorClass(_ word: String, in item: String) throws(ScriptError) -> ErrorClass {
        guard let found = ErrorClass.allCases.first(where: { $0.rawValue.lowercased() == word }) else {
            throw ScriptError("'\(item)': unknown failure class '\(word)' (network, rateLimited, auth, server, conflict)")
        }
        return found
    }

    private static func duration(_ word: String, in item: String) throws(ScriptError) -> Int64 {
        guard let millis = DurationText.millis(word), millis >= 0 else {
            throw ScriptError("'\(item)': '\(word)' is not a duration (e.g. 250ms, 8s, 5m)")
        }
        return millis
    }
}

/// A script that cannot be parsed; the text says which step and why.
public struct ScriptError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = "simulated script: \(description)" }
}
