import GatewayCore
import GatewayRuntime
import GatewayNetworking
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What the standard output is attached to.
enum Terminal {
    /// Writes out what was printed so far. Into a pipe or a file standard output is block-buffered, so a command
    /// that keeps printing (`inbox --follow`, `status --watch`, `demo`) flushes after each update: otherwise
    /// `gatewayd inbox --follow | jq` shows nothing until 4 KiB have accumulated.
    static func flushOutput() {
        fflush(nil)  // every stream: `stdout` is a C global that strict concurrency will not let Swift name
    }

    /// The width to fit tables to: `$COLUMNS` when set, else the terminal's width when standard output is one, else
    /// nil (a pipe or a file gets whole lines, for `grep` and friends).
    static func outputWidth() -> Int? {
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
        guard isatty(STDOUT_FILENO) == 1 else { return nil }
        var size = winsize()
        #if canImport(Glibc)
        let result = ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size)
        #else
        let result = ioctl(STDOUT_FILENO, TIOCGWINSZ, &size)
        #endif
        return result == 0 && size.ws_col > 0 ? Int(size.ws_col) : nil
    }
}

extension Terminal {
    /// Colour only when standard output is a terminal and `NO_COLOR` is not set (https://no-color.org).
    static var usesColour: Bool {
        isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }
}
