import GatewayCore
import GatewayRuntime
import GatewayNetworking
import GatewayStore
import Dispatch
import Synchronization

// MARK: - platforms:

extension ConfigParser {
    /// The `platforms:` mapping, in file order; at least one entry.
    func platforms(from entry: Entry, global: BackoffPolicy) throws(ConfigError) -> [PlatformConfig] {
        if case .scalar = entry.value, entry.value.type == .null {
            throw .noPlatforms(location(entry.keyNode, "platforms"))
        }
        let named = try entries(of: entry.value, at: "platforms", expected: "a mapping of platform names to their settings")
        guard !named.isEmpty else { throw .noPlatforms(location(entry.keyNode, "platforms")) }
        // A large configuration is read in two halves at once (100,000 platforms took half a second on one core).
        // The first half's problem is reported first: the same first problem in file order as one pass finds.
        let parts = named.count >= 2_000 ? 2 : 1
        let size = (named.count + parts - 1) / parts
        let results = Mutex<[Result<[PlatformConfig], ConfigError>?]>(Array(repeating: nil, count: parts))
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let slice = named[(part * size)..<min((part + 1) * size, named.count)]
            let result = Result { () throws(ConfigError) in try platforms(from: slice, global: global) }
            results.withLock { $0[part] = result }
        }
        var all: [PlatformConfig] = []
        all.reserveCapacity(named.count)
        for result in results.withLock({ $0 }).compactMap({ $0 }) {
            all += try result.get()
        }
        return all
    }

    /// The platforms of `named`, in order.
    private func platforms(from named: ArraySlice<Entry>, global: BackoffPolicy) throws(ConfigError) -> [PlatformConfig] {
        var result: [PlatformConfig] = []
        result.reserveCapacity(named.count)
        // Equal settings share one dictionary (copy-on-write): 100,000 bots configured alike hold one, not 100,000
        // (15 MB, and as many small blocks left between the parse's garbage).
        var distinctOptions: Set<[String: ConfigValue]> = []
        for platformEntry in named {
            var platform = try platform(from: platformEntry, global: global)
            if !platform.options.isEmpty { platform.options = distinctOptions.insert(platform.options).memberAfterInsert }
            result.append(platform)
        }
        return result
    }

    /// `[A-Za-z0-9_.-]{1,64}`: safe in a file name, a log key and a command line.
    static func isValidPlatformName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }

    /// One platform entry: its `type` first (it decides the allowed keys), then every key in file order, then the
    /// required keys of that type.
    func platform(from entry: Entry, global: BackoffPolicy) throws(ConfigError) -> PlatformConfig {
        let name = entry.key
        guard Self.isValidPlatformName(name) else {
            throw .invalidPlatformName(location(entry.keyNode, "platforms"), name: name)
        }
        let path = join("platforms", name)
        let fields = try entries(of: entry.value, at: path, expected: "a mapping with type: and the platform's settings")
        let typePath = join(path, "type")
        guard let typeField = fields.first(where: { $0.key == "type" }) else {
            throw .missingKey(location(entry.keyNode, typePath), hint: "one of \(PlatformKinds.typeNames(kinds))")
        }
        let typeName = try scalarText(typeField.value, at: typePath, expected: "a platform type", secret: false)
        guard let kind = kinds.first(where: { $0.type.rawValue == typeName }) else {
            throw .unknownPlatformType(location(typeField.value, typePath), type: typeName, known: kinds)
        }
        let type = kind.type

        var platform = PlatformConfig(name: name, type: type, policy: global)
        let keys = kind.keys
        for field in fields {
            let fieldPath = join(path, field.key)
            switch field.key {
            case "type":
                continue
            case "enabled":
                platform.enabled = try bool(field.value, at: fieldPath)
            case "reconnect":
                platform.policy = try policy(from: field, over: global, at: fieldPath)
            default:
                guard let key = keys[field.key] else {
                    throw .unknownKey(location(field.keyNode, fieldPath), context: "for type \(type)",
                                      known: PlatformKey.common + keys.keys)
                }
                try read(field, as: key, at: fieldPath, into: &platform)
            }
        }
        // The first missing required key by name (no sort per platform: 100,000 of them at start-up).
        var missing: String?
        for (key, spec) in keys where spec.isRequired && platform.options[key] == nil && platform.secrets[key] == nil {
            missing = min(missing ?? key, key)
        }
        if let key = missing {
            throw .missingKey(location(entry.keyNode, join(path, key)), hint: "type \(type) needs it")
        }
        try checkAdapterSettings(platform, of: kind, fields: fields, entry: entry)
        return platform
    }

    /// Reads one type-specific key into `options` or `secrets`. An empty string is an error for a required key and
    /// "not set" for an optional one.
    private func read(
        _ field: Entry, as key: PlatformKey, at path: String, into platform: inout PlatformConfig
    ) throws(ConfigError) {
        let value = field.value
        switch key.kind {
        case .string, .secret:
            let isSecret = key.kind == .secret
            let (text, variables) = try substituted(value, at: path, secret: isSecret)
            guard !text.isEmpty else {
                guard key.isRequired else { return }
                let why = variables.isEmpty ? "" : " (environment variable \(variables.joined(separator: ", ")) is set but empty)"
                throw .invalidValue(location(value, path), "must not be empty" + why)
            }
            if isSecret {
                platform.secrets[field.key] = Secret(text)
            } else {
                platform.options[field.key] = .string(text)
            }
        case .int:
            platform.options[field.key] = .int(try int(value, at: path))
        case .number:
            platform.options[field.key] = .double(try number(value, at: path))
        case .bool:
            platform.options[field.key] = .bool(try bool(value, at: path))
        case .duration:
            platform.options[field.key] = .duration(millis: try duration(value, at: path))
        case .stringList:
            platform.options[field.key] = .list(try stringList(value, at: path))
        }
    }

    /// A YAML sequence of non-empty strings, each substituted; item errors are at `path[index]`.
    private func stringList(_ node: YAMLNode, at path: String) throws(ConfigError) -> [String] {
        guard case .sequence(let sequence) = node else {
            throw .wrongType(location(node, path), expected: "a list of strings", found: describe(node, reveal: true))
        }
        var items: [String] = []
        for (index, item) in sequence.enumerated() {
            let itemPath = "\(path)[\(index)]"
            let text = try substituted(item, at: itemPath, secret: false).value
            guard !text.isEmpty else { throw .invalidValue(location(item, itemPath), "must not be empty") }
            items.append(text)
        }
        return items
    }
}
