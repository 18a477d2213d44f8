extension AdapterFactory {
    /// Makes the IRC adapter for one attempt. Throws `auth`/`config` when the configuration cannot work.
    func makeIRCAdapter(for platform: PlatformConfig, context: AdapterContext) throws -> any PlatformAdapter {
        try IRCAdapter(platform: platform, context: context)
    }
}
