import GatewayCore
import GatewayRuntime
import GatewayNetworking
import ArgumentParser
import GatewayPostgres
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
        if let location = try options.postgresLocation() {
            return try await migrate(location)
        }
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

    /// The fleet's database: creates or upgrades its schema (migrations/postgres), refusing a newer one. Exit 74 when
    /// the server cannot be reached or refuses (naming host:port and the database, never the password).
    private func migrate(_ location: PostgresLocation) async throws {
        let store: PostgresStore
        do { store = try await PostgresStore(location: location) } catch {
            throw StoreOptions.fail("\(error)", exitCode: StoreOptions.exitIOError)
        }
        let version: Int
        do { version = try await store.databaseSchemaVersion() } catch {
            await store.close()
            throw StoreOptions.fail("\(error)", exitCode: StoreOptions.exitIOError)
        }
        await store.close()
        if json {
            print(JSONOutput.text(try JSONOutput.encode(
                ["path": location.description, "schema_version": "\(version)", "binary_schema_version": "\(PostgresStore.schemaVersion)"])))
        } else {
            print("\(location): schema version \(version) (this gatewayd writes version \(PostgresStore.schemaVersion) on PostgreSQL)")
        }
    }
}
