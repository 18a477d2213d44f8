extension AdapterFactory {
    /// Makes the Discord adapter for one attempt. A configuration it cannot use is an `auth`-class `config` error.
    func makeDiscordAdapter(for platform: PlatformConfig, context: AdapterContext) throws -> any PlatformAdapter {
        DiscordAdapter(settings: try DiscordSettings(platform), context: context)
    }
}
