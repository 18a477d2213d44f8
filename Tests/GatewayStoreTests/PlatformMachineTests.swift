import Testing

@testable import GatewayStore

@Suite("State machine (pure)")
struct PlatformMachineTests {
    let now: Int64 = 1_800_000_000_000

    func record(in state: PlatformState, attempts: Int = 2) -> PlatformRecord {
        var r = PlatformRecord(name: "p", type: "simulated", fingerprint: "f", now: now - 3_600_000)
        r.attempts = attempts
        r.enter(state, now: now - 1_000_000)
        switch state {
        case .backingOff: r.nextRetryAt = now - 1; r.scheduledAt = now - 60_000
        case .connecting: r.leaseOwner = "me"; r.leaseUntil = now + 30_000
        case .connected: r.connectedSince = now - 1_000_000; r.stableAt = now - 400_000
        default: break
        }
        return r
    }

    static let actions: [(String, PlatformAction)] = [
        ("claim", .claim(owner: "me", leaseUntil: 1_800_000_035_000)),
        ("succeed", .succeed),
        ("fail", .fail(networkFailure())),
        ("disconnect", .disconnect(networkFailure())),
        ("stabilize", .stabilize),
        ("retryNow", .retryNow),
        ("pause", .pause),
        ("resume", .resume),
        ("reset", .reset),
        ("disable", .disable(reason: "x")),
        ("enable", .enable),
        ("credentialsChanged", .credentialsChanged(fingerprint: "g")),
        ("recoverAfterRestart", .recoverAfterRestart),
        ("expireLease", .expireLease),
        ("stopGracefully", .stopGracefully),
        ("reschedule", .reschedule(at: 1_800_000_001_000, why: .staggered, detail: "x")),
        ("clockMovedBack", .clockMovedBack(byMillis: 5_000)),
    ]

    /// The transition table of ARCHITECTURE.md, written out independently of the implementation.
    static let legal: [String: Set<PlatformState>] = [
        "claim": [.backingOff],
        "succeed": [.connecting],
        "fail": [.connecting],
        "disconnect": [.connected],
        "stabilize": [.connected],
        "retryNow": [.backingOff, .needsAttention, .gaveUp],
        "pause": [.connecting, .connected, .backingOff, .needsAttention, .gaveUp],
        "resume": [.paused],
        "reset": [.connecting, .connected, .backingOff, .needsAttention, .paused, .gaveUp],
        "disable": [.connecting, .connected, .backingOff, .needsAttention, .paused, .gaveUp],
        "enable": [.disabled],
        "credentialsChanged": Set(PlatformState.allCases),
        "recoverAfterRestart": [.connecting, .connected],
        "expireLease": [.connecting],
        "stopGracefully": [.connecting, .connected],
        "reschedule": [.backingOff],
        "clockMovedBack": [.backingOff],
    ]

    @Test("every action in every state: legal ones apply, illegal ones are rejected", arguments: PlatformState.allCases)
    func table(state: PlatformState) throws {
        for (name, action) in Self.actions {
            let before = record(in: state)
            var random = SplitMix64(seed: 3)
            let machine = PlatformMachine(policy: noJitter, now: now)
            let expectedLegal = Self.legal[name, default: []].contains(state)
            do {
                let outcome = try machine.apply(action, to: before, random: &random)
                #expect(expectedLegal, "\(name) from \(state) should be rejected")
                // Invariants the schema also enforces.
                #expect((outcome.record.state == .backingOff) == (outcome.record.nextRetryAt != nil))
                #expect((outcome.record.state == .connecting) == (outcome.record.leaseOwner != nil))
                #expect((outcome.record.state == .connected) == (outcome.record.connectedSince != nil))
            } catch {
                #expect(!expectedLegal, "\(name) from \(state) should be legal: \(error)")
                #expect(error.code == .illegalTransition)
                #expect(error.description.contains("'p'") && error.description.contains(state.rawValue))
            }
        }
    }

    @Test("claim counts the attempt and takes the lease; a row not yet due cannot be claimed")
    func claim() throws {
        var random = SplitMix64(seed: 1)
        let machine = PlatformMachine(policy: noJitter, now: now)
        let outcome = try machine.apply(.claim(owner: "me", leaseUntil: now + 35_000), to: record(in: .backingOff), random: &random)
        #expect(outcome.record.state == .connecting && outcome.record.attempts == 3)
        #expect(outcome.record.leaseOwner == "me" && outcome.record.leaseUntil == now + 35_000)
        var notDue = record(in: .backingOff)
        notDue.nextRetryAt = now + 1
        #expect(throws: StoreError.self) { try machine.apply(.claim(owner: "me", leaseUntil: now), to: notDue, random: &random) }
    }

    @Test("a failed attempt backs off by delay(attempts), never before the server's not-before")
    func failure() throws {
        var random = SplitMix64(seed: 1)
        let machine = PlatformMachine(policy: noJitter, now: now)
        let plain = try machine.apply(.fail(networkFailure()), to: record(in: .connecting, attempts: 3), random: &random)
        #expect(plain.record.state == .backingOff && plain.record.nextRetryAt == now + 120_000)
        #expect(plain.record.firstFailedAt == now && plain.record.lastErrorClass == .network)
        let limited = PlatformFailure(.rateLimited, code: "429", message: "slow down", notBefore: now + 900_000)
        let waited = try machine.apply(.fail(limited), to: record(in: .connecting, attempts: 1), random: &random)
        #expect(waited.record.nextRetryAt == now + 900_000 && waited.record.notBefore == now + 900_000)
    }

    @Test("auth and conflict go to needs_attention; server and rate limits are retried")
    func classes() throws {
        var random = SplitMix64(seed: 1)
        let machine = PlatformMachine(policy: noJitter, now: now)
        for errorClass in ErrorClass.allCases {
            let outcome = try machine.apply(.fail(PlatformFailure(errorClass, message: "x")), to: record(in: .connecting), random: &random)
            #expect(outcome.record.state == (errorClass.isRetryable ? .backingOff : .needsAttention))
        }
    }

    @Test("max attempts: slow keeps retrying at the slow cadence and flags it; give_up stops")
    func exhausted() throws {
        var random = SplitMix64(seed: 1)
        let slow = PlatformMachine(policy: BackoffPolicy(maxAttempts: 3, jitter: 0, slowIntervalMillis: 1_800_000), now: now)
        let first = try slow.apply(.fail(networkFailure()), to: record(in: .connecting, attempts: 3), random: &random)
        #expect(first.record.state == .backingOff && first.record.exhausted && first.event == .exhausted)
        #expect(first.record.nextRetryAt == now + 1_800_000)
        var again = first.record
        again.enter(.connecting, now: now)
        again.leaseOwner = "me"; again.leaseUntil = now + 1
        again.attempts = 4
        let second = try slow.apply(.fail(networkFailure()), to: again, random: &random)
        #expect(second.event == .failed && second.record.nextRetryAt == now + 1_800_000)

        let giveUp = PlatformMachine(policy: BackoffPolicy(maxAttempts: 3, jitter: 0, onExhausted: .giveUp), now: now)
        let gaveUp = try giveUp.apply(.fail(networkFailure()), to: record(in: .connecting, attempts: 3), random: &random)
        #expect(gaveUp.record.state == .gaveUp && gaveUp.event == .gaveUp)
        let notYet = try giveUp.apply(.fail(networkFailure()), to: record(in: .connecting, attempts: 2), random: &random)
        #expect(notYet.record.state == .backingOff)
    }

    @Test("a disconnect after the stable period forgives the streak; a flapping one backs off")
    func disconnect() throws {
        var random = SplitMix64(seed: 1)
        let machine = PlatformMachine(policy: noJitter, now: now)
        let stable = try machine.apply(.disconnect(networkFailure()), to: record(in: .connected, attempts: 4), random: &random)
        #expect(stable.record.attempts == 0 && stable.record.nextRetryAt == now)
        var flapping = record(in: .connected, attempts: 4)
        flapping.stableAt = now + 1
        let flapped = try machine.apply(.disconnect(networkFailure()), to: flapping, random: &random)
        #expect(flapped.record.attempts == 4 && flapped.record.nextRetryAt == now + 240_000)
        let auth = try machine.apply(.disconnect(PlatformFailure(.auth, message: "token revoked")), to: record(in: .connected), random: &random)
        #expect(auth.record.state == .needsAttention)
    }

    @Test("retry now and resume respect the server's not-before")
    func operatorRespectsNotBefore() throws {
        var random = SplitMix64(seed: 1)
        let machine = PlatformMachine(policy: noJitter, now: now)
        var limited = record(in: .backingOff)
        limited.nextRetryAt = now + 600_000
        limited.notBefore = now + 60_000
        let outcome = try machine.apply(.retryNow, to: limited, random: &random)
        #expect(outcome.record.nextRetryAt == now + 60_000)
        #expect(outcome.detail?.contains("not before 60 s") == true)
    }

    @Test("a clock moved back shortens the wait by the same amount")
    func clockBack() throws {
        var random = SplitMix64(seed: 1)
        let machine = PlatformMachine(policy: noJitter, now: now)
        var row = record(in: .backingOff)
        row.nextRetryAt = now + 7_200_000
        row.notBefore = now + 7_000_000
        let outcome = try machine.apply(.clockMovedBack(byMillis: 7_000_000), to: row, random: &random)
        #expect(outcome.record.nextRetryAt == now + 200_000 && outcome.record.notBefore == now)
    }
}

@Suite("State machine: server-requested reconnects")
struct ReconnectAtOnceTests {
    @Test("a disconnect the server asked for is due at once even when the connection was not stable")
    func atOnce() throws {
        let now: Int64 = 1_800_000_000_000
        var record = PlatformRecord(name: "dc", type: "discord", fingerprint: nil, now: now - 10_000)
        record.attempts = 3
        record.enter(.connected, now: now - 5_000)
        record.connectedSince = now - 5_000
        record.stableAt = now + 600_000
        var random = SplitMix64(seed: 1)
        let machine = PlatformMachine(policy: noJitter, now: now)
        let asked = try machine.apply(.disconnect(PlatformFailure(.network, code: "reconnect_requested", message: "op 7", reconnectAtOnce: true)), to: record, random: &random)
        #expect(asked.record.nextRetryAt == now && asked.record.attempts == 3)
        let dropped = try machine.apply(.disconnect(networkFailure()), to: record, random: &random)
        #expect(dropped.record.nextRetryAt == now + 120_000, "an ordinary drop of a flapping connection still backs off: delay(3)")
    }
}
