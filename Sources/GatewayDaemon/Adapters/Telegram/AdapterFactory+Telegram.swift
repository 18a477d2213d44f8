extension AdapterFactory {
    /// Makes the Telegram adapter for one attempt.
    func makeTelegramAdapter(for platform: PlatformConfig, context: AdapterContext) throws -> any PlatformAdapter {
        throw AdapterError(
            .auth, code: "adapter_unavailable",
            message: "this build has no telegram adapter yet; only simulated platforms can connect")
    }
}
