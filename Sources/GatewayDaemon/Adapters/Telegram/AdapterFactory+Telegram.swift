extension AdapterFactory {
    /// Makes the Telegram adapter for one attempt.
    /// - Throws: `AdapterError` (`auth`, code `config`) when the entry's settings cannot work.
    func makeTelegramAdapter(for platform: PlatformConfig, context: AdapterContext) throws -> any PlatformAdapter {
        TelegramAdapter(settings: try TelegramSettings(platform), context: context)
    }
}
