import ArgumentParser
import Foundation
import GatewayStore

/// `--db`, shared by every subcommand that opens the database.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The database file (default: $GATEWAYD_DB, else ./gateway.db).")
    var db: String?

    var path: String {
        db ?? ProcessInfo.processInfo.environment["GATEWAYD_DB"] ?? "gateway.db"
    }

    /// Opens and migrates the store. Errors name the file and the cause.
    func openStore(clock: any WallClock = SystemWallClock()) throws -> Store {
        try Store(path: path, clock: clock)
    }
}
