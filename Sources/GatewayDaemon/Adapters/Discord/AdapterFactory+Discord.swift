extension AdapterFactory {
    /// Makes the Discord adapter for one attempt.
    func makeDiscordAdapter(for platform: PlatformConfig, context: AdapterContext) throws -> any PlatformAdapter {
        throw AdapterError(
            .auth, code: "adapter_unavailable",
            message: "this build has no discord adapter yet; only simulated platforms can connect")
    }
}
