/// Makes a fresh adapter for each connect attempt.
public protocol AdapterMaking: Sendable {
    /// Throws `AdapterError` when no adapter can be made for this configuration (the platform then needs a human).
    func makeAdapter(for platform: PlatformConfig, context: AdapterContext) async throws -> any PlatformAdapter
}
