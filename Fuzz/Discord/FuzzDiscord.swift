// The `discord` fuzz target's libFuzzer executable (FUZZING.md). Built with `-DFUZZING`, sanitizer coverage and
// libFuzzer's runtime by scripts/fuzz, it runs libFuzzer's driver; any other build makes a stub that says so.
#if FUZZING
import CLibFuzzer
import Foundation
import FuzzTargets
#endif

@main
enum FuzzDiscord {
    static func main() {
        #if FUZZING
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzTarget.discord.runBlocking(UnsafeBufferPointer(start: data, count: size))
            return 0
        }
        exit(status)
        #else
        print("gatewayd-fuzz-discord is a libFuzzer target: run it with scripts/fuzz discord [seconds]")
        #endif
    }
}
