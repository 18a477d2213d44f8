import PackagePlugin

/// Embeds the target's `.sql` files (the `Migrations` symlink to the top-level `migrations/` folder) into the binary
/// as Swift string literals, so an installed `gatewayd` needs neither the source tree nor a resource bundle.
///
/// The inputs are the target's own source files rather than a directory read by path: SwiftPM then re-runs the tool
/// when a migration is added, edited, renamed or deleted (see ../shared/TOOLCHAIN.md for the approaches that fail).
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let module = target.sourceModule else { return [] }
        let sqlFiles = module.sourceFiles
            .filter { $0.url.pathExtension == "sql" }
            .map(\.url)
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(sqlFiles.count) migration(s) into \(target.name)",
                executable: try context.tool(named: "MigrationEmbedder").url,
                arguments: [output.path()] + sqlFiles.map { $0.path() },
                inputFiles: sqlFiles,
                outputFiles: [output]
            )
        ]
    }
}
