// Startup: reconcile the configuration with the rows, and apply the restart rules (ARCHITECTURE.md).

extension Store {
    /// Reconciles the configured platforms with the database and applies the restart rules, in one transaction:
    /// - a new platform is added, due now;
    /// - a queued (`backing_off`) row keeps its attempts and its next retry;
    /// - a row that was `connecting` when the previous process died counts that attempt as failed and backs off;
    ///   a row that was `connected` is due again;
    /// - a changed credential fingerprint re-arms `needs_attention` and `gave_up` rows;
    /// - a platform gone from (or disabled in) the configuration is `disabled`, its row and history kept;
    /// - a schedule made under a later wall clock is shortened (the clock moved back);
    /// - rows overdue from before the restart are spread over the stagger window instead of all firing at once.
    ///
    /// Call it while holding the daemon lease: every `connecting` row then belongs to a dead process.
    @discardableResult
    public func startup(configured specs: [PlatformSpec]) throws -> StartupReport {
        policies.set(specs)
        let now = now()
        return try connection.transaction {
            var report = StartupReport()
            var fresh: Set<String> = []
            // One scan of what reconciling compares, instead of a read per configured platform: at 100,000 platforms
            // the reads were 0.7 s of every start. Only a platform whose row differs is reconciled row by row.
            var stored = try reconcileView(expecting: specs.count)
            for spec in specs {
                if let row = stored.removeValue(forKey: spec.name), row.matches(spec) { continue }
                try reconcile(spec, now: now, report: &report, fresh: &fresh)
            }
            // What is left was not configured: every configured name was taken out above (a name configured twice by
            // its first entry).
            let removed = stored.filter { !$0.value.isDisabled }.keys.sorted()
            for name in removed {
                try applyInTransaction(.disable(reason: "removed from the configuration"), to: name, actor: .config, now: now)
                report.disabled.append(name)
            }
            let interrupted = try connection.rows(
                "SELECT name FROM platforms WHERE state IN ('connecting', 'connected') ORDER BY name") { $0.string(0) }
            for name in interrupted {
                try applyInTransaction(.recoverAfterRestart, to: name, actor: .daemon, now: now)
                report.interrupted.append(name)
            }
            report.clockAdjusted = try adjustForClockJumpsInTransaction(now: now)
            report.staggered = try staggerOverdue(excluding: fresh, now: now)
            // Sets: with every row overdue after a long stop, `staggered` holds every platform.
            let notResumed = fresh.union(report.staggered).union(report.interrupted)
            report.resumed = try connection.rows(
                "SELECT name FROM platforms WHERE state = 'backing_off' AND next_retry_at > ? ORDER BY name",
                [.integer(now)]) { $0.string(0) }
                .filter { !notResumed.contains($0) }
            return report
        }
    }

    /// The columns reconciling compares, for every row by name.
    /// `expecting`: about how many rows there are (the configured platforms), so the dictionary is sized once — grown
    /// row by row it was rehashed 17 times at 100,000 platforms, a third of the reconcile.
    private func reconcileView(expecting count: Int) throws -> [String: ReconcileView] {
        var view: [String: ReconcileView] = [:]
        view.reserveCapacity(count)
        try connection.forEach("SELECT name, type, state, credential_fingerprint, endpoint FROM platforms") { row in
            view[row.string(0)] = ReconcileView(
                type: row.string(1), isDisabled: row.string(2) == PlatformState.disabled.rawValue,
                fingerprint: row.optionalString(3), endpoint: row.optionalString(4))
        }
        return view
    }

    private func reconcile(_ spec: PlatformSpec, now: Int64, report: inout StartupReport, fresh: inout Set<String>) throws {
        let stored = try readRecord(spec.name)
        try reconcile(spec, stored: stored, now: now, report: &report, fresh: &fresh)
        // The endpoint column is not part of the record's writes: set here, and only when it changed (a statement
        // per platform at every start was a fifth of the reconcile at 100,000 platforms).
        if stored?.endpoint != spec.endpoint {
            let endpoint = spec.endpoint.map(SQLValue.text) ?? .null
            _ = try connection.execute("UPDATE platforms SET endpoint = ? WHERE name = ?", [endpoint, .text(spec.name)])
        }
    }

    /// What it compares, `ReconcileView.matches` compares first for every row: keep the two in step.
    private func reconcile(
        _ spec: PlatformSpec, stored: PlatformRecord?, now: Int64, report: inout StartupReport, fresh: inout Set<String>
    ) throws {
        guard var record = stored else {
            var record = PlatformRecord(name: spec.name, type: spec.type, fingerprint: spec.fingerprint, now: now)
            if !spec.enabled { record.enter(.disabled, now: now) }
            try writeRecord(record)
            try appendEvent(PlatformEvent(
                platform: spec.name, at: now, kind: .added, fromState: nil, toState: record.state, attempt: 0,
                errorClass: nil, detail: "type \(spec.type)", actor: Actor.config.description))
            report.added.append(spec.name)
            fresh.insert(spec.name)
            return
        }
        if record.type != spec.type {
            record.type = spec.type
            try writeRecord(record)
        }
        if !spec.enabled {
            if record.state != .disabled {
                try applyInTransaction(.disable(reason: "disabled in the configuration"), to: spec.name, actor: .config, now: now)
                report.disabled.append(spec.name)
            }
            return
        }
        if record.state == .disabled {
            try applyInTransaction(.enable, to: spec.name, actor: .config, now: now)
            report.enabled.append(spec.name)
            fresh.insert(spec.name)
        }
        if record.credentialFingerprint != spec.fingerprint {
            let rearms = record.state == .needsAttention || record.state == .gaveUp
            try applyInTransaction(.credentialsChanged(fingerprint: spec.fingerprint), to: spec.name, actor: .config, now: now)
            report.credentialsChanged.append(spec.name)
            if rearms { fresh.insert(spec.name) }
        }
    }

    /// Shortens the wait of queued rows scheduled under a later wall clock than now (the clock moved backwards), so
    /// no row waits longer than its policy's wait or the server's not-before asked. Returns the rows changed.
    @discardableResult
    public func adjustForClockJumps() throws -> [String] {
        let now = now()
        return try connection.transaction { try adjustForClockJumpsInTransaction(now: now) }
    }

    private func adjustForClockJumpsInTransaction(now: Int64) throws -> [String] {
        let shifted = try connection.rows(
            "SELECT name, scheduled_at FROM platforms WHERE state = 'backing_off' AND scheduled_at > ?", [.integer(now)]
        ) { (name: $0.string(0), scheduledAt: $0.int64(1)) }
        for row in shifted {
            try applyInTransaction(.clockMovedBack(byMillis: row.scheduledAt - now), to: row.name, actor: .daemon, now: now)
        }
        return shifted.map(\.name)
    }

    /// Spreads the rows that were already due before this start over min(window, (n − 1) · spacing), oldest first,
    /// each at a jittered point of its own slot: no reconnect storm, and a single overdue row is not delayed.
    private func staggerOverdue(excluding fresh: Set<String>, now: Int64) throws -> [String] {
        let overdue = try connection.rows(
            "SELECT name FROM platforms WHERE state = 'backing_off' AND next_retry_at <= ? ORDER BY next_retry_at, name",
            [.integer(now)]
        ) { $0.string(0) }.filter { !fresh.contains($0) }
        guard overdue.count > 1 else { return [] }
        let count = Int64(overdue.count)
        let window = min(settings.staggerWindowMillis, (count - 1) * settings.staggerSpacingMillis)
        let slot = window / count
        for (index, name) in overdue.enumerated() {
            let at = now + slot * Int64(index) + (slot > 0 ? Int64.random(in: 0..<slot, using: &random) : 0)
            try applyInTransaction(
                .reschedule(at: at, why: .staggered, detail: "overdue after a restart; spread over \(window / 1000) s"),
                to: name, actor: .daemon, now: now)
        }
        return overdue
    }
}

/// A row's columns that reconciling compares with its configuration.
private struct ReconcileView {
    let type: String
    let isDisabled: Bool
    let fingerprint: String?
    let endpoint: String?

    /// Whether reconciling `spec` would leave the row as it is.
    func matches(_ spec: PlatformSpec) -> Bool {
        type == spec.type && isDisabled == !spec.enabled && fingerprint == spec.fingerprint && endpoint == spec.endpoint
    }
}
