import GatewayCore
import GatewayRuntime
import Foundation

// gatewayd-bench: the benchmark suite (BENCHMARKS.md). Never run by scripts/test; scripts/bench runs `all`.
//
//   gatewayd-bench lag | mttr | restart | herd | store | footprint | messages | load | recovery | fleet [options]   one scenario,
//                                                                                                Markdown to stdout
//   gatewayd-bench all --out BENCHMARKS.md [--gatewayd PATH]                    every scenario, the whole report
//   gatewayd-bench host-model --queued N | --connect N                          (internal) the seed model, alone

let arguments = Array(CommandLine.arguments.dropFirst())
let directory = FileManager.default.temporaryDirectory.appending(path: "gatewayd-bench-\(getpid())")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
let commands = Commands(arguments: arguments, directory: directory)

do {
    switch arguments.first {
    case "lag": print(try await commands.lag())
    case "mttr": print(try await commands.mttr().0)
    case "restart": print(try await commands.restart())
    case "herd": print(try await commands.herd())
    case "store": print(try await commands.store())
    case "footprint": print(try await commands.footprint())
    case "messages": print(try await commands.messages())
    case "load": print(try await commands.load())
    case "recovery": print(try await commands.recovery())
    case "fleet": print(try await commands.fleet())
    case "host-model": try await commands.hostModel()
    case "idle-fixture":
        // (internal) `idle-fixture --platforms N --db PATH --config PATH`: the store scenario's idle input.
        try ProcessScenarios.idleFixture(
            database: commands.option("db") ?? "idle.db", config: commands.option("config") ?? "idle.yaml",
            platforms: commands.int("platforms", 100_000))
    case "all":
        let report = try await FullReport(commands: commands).run()
        if let out = commands.option("out") {
            try report.write(toFile: out, atomically: true, encoding: .utf8)
            Commands.progress("wrote \(out)")
        } else {
            print(report)
        }
    default:
        FileHandle.standardError.write(Data("""
            usage: gatewayd-bench lag|mttr|restart|herd|store|footprint|messages|load|recovery|fleet [options]
                   gatewayd-bench fleet --postgres postgres://user@host:port/db [--fleet-platforms 3000] [--samples 500] [--daemons 3]
                   gatewayd-bench load [--seconds 30] [--threads 2] [--connections 16] [--batches 10,100] [--gatewayd PATH]
                   gatewayd-bench all [--out BENCHMARKS.md] [--gatewayd .build/release/gatewayd]

            """.utf8))
        exit(64)
    }
} catch {
    FileHandle.standardError.write(Data("gatewayd-bench: \(error)\n".utf8))
    exit(1)
}
if !commands.mismatches.all.isEmpty {
    FileHandle.standardError.write(Data(commands.mismatches.all.map { "gatewayd-bench: mismatch: \($0)\n" }.joined().utf8))
    try? FileManager.default.removeItem(at: directory)
    exit(1)
}
