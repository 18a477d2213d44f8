// MARK: - Composing the YAML, and its errors

extension ConfigParser {
    /// The document's node tree (nil for an empty document), or the YAML problem as one line with its line number.
    /// libyaml's problem and context are fixed phrases ("mapping values are not allowed in this context"); no snippet
    /// of the offending line is added, since it may hold a secret.
    func composeDocument(_ yaml: String) throws(ConfigError) -> YAMLNode? {
        do {
            return try YAMLComposer.compose(yaml)
        } catch {
            throw .invalidYAML(ConfigLocation(file: source, line: error.line, keyPath: ""), problem: error.problem)
        }
    }
}
