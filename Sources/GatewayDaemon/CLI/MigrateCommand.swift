import ArgumentParser
import GatewayStore

/// `gatewayd migrate`: creates or upgrades the database to this binary's schema, then reports the version.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create the database, or upgrade it to this binary's schema."
    )

    @OptionGroup var options: StoreOptions

    func run() async throws {
        let store = try options.openStore()
        let version = try await store.databaseSchemaVersion()
        print("\(store.path): schema version \(version) (this gatewayd writes version \(Store.schemaVersion))")
    }
}
