// Operator actions. Each is a write to the store, audited in platform_events with its actor; a running daemon
// notices the write (PRAGMA data_version) and acts on it.

extension Store {
    /// Makes `name` due now — or at the server's not-before, if that is later. Legal from `backing_off`,
    /// `needs_attention` and `gave_up`; a paused platform must be resumed.
    @discardableResult
    public func retryNow(_ name: String, actor: Actor) throws -> PlatformRecord { try apply(.retryNow, to: name, actor: actor) }

    /// Stops connecting `name` (a running daemon disconnects it) until `resume`.
    @discardableResult
    public func pause(_ name: String, actor: Actor) throws -> PlatformRecord { try apply(.pause, to: name, actor: actor) }

    /// Undoes `pause`: due now, attempts kept.
    @discardableResult
    public func resume(_ name: String, actor: Actor) throws -> PlatformRecord { try apply(.resume, to: name, actor: actor) }

    /// Forgets the failure streak (attempts, exhausted flag) and, unless connected, makes the platform due now.
    @discardableResult
    public func reset(_ name: String, actor: Actor) throws -> PlatformRecord { try apply(.reset, to: name, actor: actor) }
}
