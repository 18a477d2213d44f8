extension AdapterFactory {
    /// Makes the IRC adapter for one attempt.
    func makeIRCAdapter(for platform: PlatformConfig, context: AdapterContext) throws -> any PlatformAdapter {
        throw AdapterError(
            .auth, code: "adapter_unavailable",
            message: "this build has no irc adapter yet; only simulated platforms can connect")
    }
}
