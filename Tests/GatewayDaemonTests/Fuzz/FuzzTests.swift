import Foundation
import FuzzTargets
import Testing

/// The short fuzz run of the test suite: the fuzz targets (Fuzz/Targets) over the committed corpus, over thousands
/// of seeded mutations of it, and over every committed crash input. No sanitizer and no coverage guidance: that is
/// `scripts/fuzz <target> <seconds>` (FUZZING.md). Mutations and regressions run in a child process (an exit test),
/// so a crash fails one test, with the input that caused it, instead of killing the test run.
@Suite("Fuzz targets, in process")
struct FuzzTests {
    /// Mutated inputs per target: 300 by default (under a second per target in a child process),
    /// `GATEWAYD_FUZZ_MUTATIONS` overrides (0 turns it off).
    static let mutationCount = ProcessInfo.processInfo.environment["GATEWAYD_FUZZ_MUTATIONS"].flatMap(Int.init) ?? 300

    /// Committed crash inputs whose bug is in code the fuzzing work may not change (the adapters): file → where the
    /// bug is. Each still runs, as a known issue; once the bug is fixed the test reports that the issue is gone, and the
    /// entry must be removed here, so the input guards the fix from then on.
    /// Inputs that still crash (none: the five overflow bugs the fuzzers found are fixed; their inputs stay as
    /// regression tests).
    static let openBugs: [String: String] = [:]

    @Test("each target runs every seed of its committed corpus", arguments: FuzzTarget.allCases)
    func corpus(target: FuzzTarget) async {
        let seeds = FuzzFiles(target: target).corpus
        #expect(seeds.count >= 5, "Fuzz/Corpus/\(target.rawValue)/ should hold realistic seeds")
        for seed in seeds {
            await target.run(seed.bytes)
        }
    }

    /// The short run in every `scripts/test`; `GATEWAYD_FUZZ_MUTATIONS=3000 scripts/test --filter FuzzTests` runs a longer
    /// one, `scripts/fuzz` does the real (coverage-guided, sanitized) fuzzing.
    @Test("each target survives seeded mutations of its corpus (GATEWAYD_FUZZ_MUTATIONS)", .timeLimit(.minutes(3)),
          .enabled(if: FuzzTests.mutationCount > 0), arguments: FuzzTarget.allCases)
    func mutations(target: FuzzTarget) async throws {
        let name = target.rawValue
        let count = Self.mutationCount
        let inFlight = FileManager.default.temporaryDirectory
            .appendingPathComponent("gatewayd-fuzz-\(name)-\(UUID().uuidString).bin").path
        defer { try? FileManager.default.removeItem(atPath: inFlight) }
        await Self.withOpenBugs(in: name) {
            await #expect(processExitsWith: .success, "\(count) mutated \(name) inputs") {
                [name = name as String, count = count as Int, inFlight = inFlight as String] in
                guard let target = FuzzTarget(rawValue: name) else { return }
                await MutationCampaign.run(target, count: count, inFlightPath: inFlight)
            }
        }
        // The child removes its in-flight input once every input passed: one left behind is the one that failed.
        guard let data = FileManager.default.contents(atPath: inFlight) else { return }
        let bytes = Array(data)
        await Self.withOpenBugs(in: name) { await Self.report(failing: bytes, target: name) }
    }

    /// Runs `body`; in a target with an open bug, the issues it records are known ones (the mutator finds those bugs
    /// again; the failing input is still printed). Strict again once the target's `openBugs` entries are gone.
    static func withOpenBugs(in target: String, _ body: () async -> Void) async {
        let bugs = openBugs.filter { $0.key.hasPrefix(target + "/") }.values
        guard !bugs.isEmpty else {
            await body()
            return
        }
        await withKnownIssue("open bugs in \(target): \(bugs.sorted().joined(separator: "; "))", isIntermittent: true) {
            await body()
        }
    }

    /// Records `bytes` (the input a child process failed on) with what it printed when run alone.
    static func report(failing bytes: [UInt8], target name: String) async {
        // Run it alone, expecting the failure, to show what the child printed (the trap message names file and line).
        let rerun = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            [name = name as String, bytes = bytes as [UInt8]] in
            await FuzzTarget(rawValue: name)?.run(bytes)
        }
        // The trap message ("Fatal error: …", "file.swift:line"), without the crash reporter's binary noise.
        let stderr = rerun.map { result in
            String(decoding: result.standardErrorContent, as: UTF8.self).split(separator: "\n")
                .filter { $0.contains("Fatal error") || $0.contains(".swift:") }.prefix(10).joined(separator: "\n")
        } ?? "(it passed when run alone)"
        Issue.record("""
            the \(name) target failed on this input (\(bytes.count) bytes); commit it under Fuzz/Regressions/\(name)/ \
            and reproduce it with scripts/fuzz: \(String(decoding: bytes, as: UTF8.self).debugDescription)
            \(stderr)
            """)
    }

    /// Every input that once crashed a target runs cleanly now. In process: the bugs are fixed, so a regression
    /// kills the test run loudly (a child process per input was tried first; exit tests under load proved flaky).
    @Test("every committed crash input runs cleanly", arguments: RegressionInput.all)
    func regression(input: RegressionInput) async {
        #expect(Self.openBugs[input.key] == nil, "a listed open bug must be run in a child process")
        await input.target.run(input.bytes)
    }

    @Test("the dictionaries parse, and mutation is deterministic per seed")
    func mutatorBasics() {
        for target in FuzzTarget.allCases {
            #expect(FuzzFiles(target: target).dictionary.count >= 20, "Fuzz/Dictionaries/\(target.rawValue).dict")
        }
        #expect(FuzzFiles.token(#""\x0d\x0a""#) == [13, 10])
        #expect(FuzzFiles.token(#""\"ok\"""#) == Array(#""ok""#.utf8))
        #expect(FuzzFiles.token("# a comment") == nil)
        let corpus = FuzzFiles(target: .irc).corpus.map(\.bytes)
        var a = ByteMutator(seed: 7, corpus: corpus, dictionary: [[1], [2, 3]])
        var b = ByteMutator(seed: 7, corpus: corpus, dictionary: [[1], [2, 3]])
        let first = (0..<50).map { _ in a.next() }
        #expect(first == (0..<50).map { _ in b.next() })
        #expect(Set(first).count > 40, "mutations differ from each other")
    }
}

/// One committed crash input, as a test argument.
struct RegressionInput: Sendable, CustomTestStringConvertible {
    let target: FuzzTarget
    let name: String
    let bytes: [UInt8]

    /// `<target>/<file>`, the key of ``FuzzTests/openBugs``.
    var key: String { "\(target.rawValue)/\(name)" }
    var testDescription: String { key }

    static var all: [RegressionInput] {
        FuzzTarget.allCases.flatMap { target in
            FuzzFiles(target: target).regressions.map { RegressionInput(target: target, name: $0.name, bytes: $0.bytes) }
        }
    }
}

/// The mutation loop, run inside the child process of an exit test.
enum MutationCampaign {
    static func run(_ target: FuzzTarget, count: Int, inFlightPath: String) async {
        let files = FuzzFiles(target: target)
        let seed = 0x6761_7465_7761_7964 &+ UInt64(target.rawValue.utf8.reduce(0) { $0 &* 31 &+ Int($1) })
        var mutator = ByteMutator(seed: seed, corpus: files.corpus.map(\.bytes), dictionary: files.dictionary)
        for _ in 0..<count {
            let input = mutator.next()
            // Left behind if the target crashes, for the parent to report.
            _ = FileManager.default.createFile(atPath: inFlightPath, contents: Data(input))
            await target.run(input)
        }
        try? FileManager.default.removeItem(atPath: inFlightPath)
    }
}
