import GatewayCore
import GatewayRuntime
import GatewayNetworking
import ArgumentParser
import GatewayStore

/// `gatewayd migrate`: creates or upgrades the database to this binary's schema, then reports the version.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create the database, or upgrade it to this binary's schema."
    )

    @OptionGroup var options: StoreOptions

    @Flag(name: .long, help: "Print {\"path\", \"schema_version\", \"binary_schema_version\"} as JSON.")
    var json = false

    func run() async throws {
        let store: Store
        do { store = try options.openStore(verify: true) } catch {
            throw StoreOptions.fail("\(error)", exitCode: StoreOptions.exitIOError)
        }
        let version = try await store.databaseSchemaVersion()
        if json {
            print(JSONOutput.text(try JSONOutput.encode(
                ["path": store.path, "schema_version": "\(version)", "binary_schema_version": "\(Store.schemaVersion)"])))
        } else {
            print("\(store.path): schema version \(version) (this gatewayd writes version \(Store.schemaVersion))")
        }
    }
}
