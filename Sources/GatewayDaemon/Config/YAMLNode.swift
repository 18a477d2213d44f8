import Yams

/// One node of the configuration's YAML document, as ``YAMLComposer`` builds it: the scalars' text, tags and lines,
/// and the mappings' pairs in file order — what ``ConfigParser`` reads, and nothing else.
///
/// Aliases are resolved to the node their anchor names; mappings keep a repeated key (the parser refuses it with its key
/// path and both lines).
enum YAMLNode: Sendable {
    case scalar(Scalar)
    case mapping(Mapping)
    case sequence(Items)

    /// A scalar as written, with its explicit tag (`!!int 5`) or `nil` for a plain one; a quoted scalar is a string.
    struct Scalar: Sendable {
        let string: String
        /// The full tag (`tag:yaml.org,2002:str` for a quoted scalar), or nil for a plain scalar without one.
        let tag: String?
        let line: Int
    }

    /// A mapping's pairs in file order.
    struct Mapping: Sendable, Sequence {
        let pairs: [(key: YAMLNode, value: YAMLNode)]
        let line: Int
        func makeIterator() -> IndexingIterator<[(key: YAMLNode, value: YAMLNode)]> { pairs.makeIterator() }
    }

    /// A sequence's items in file order.
    struct Items: Sendable, Sequence {
        let items: [YAMLNode]
        let line: Int
        func makeIterator() -> IndexingIterator<[YAMLNode]> { items.makeIterator() }
    }

    /// The line (from 1) where the node starts.
    var line: Int {
        switch self {
        case .scalar(let scalar): return scalar.line
        case .mapping(let mapping): return mapping.line
        case .sequence(let items): return items.line
        }
    }

    var scalar: Scalar? {
        if case .scalar(let scalar) = self { return scalar }
        return nil
    }

    /// The scalar's type after YAML 1.1 resolution (`.int` for a plain `6697`, `.string` for a quoted `"6697"`); `.other`
    /// for a mapping or a sequence.
    var type: YAMLType { scalar?.type ?? .other }

    /// A plain or tagged integer (`6697`, `0x1F`, `1_000`), as YAML 1.1 reads it.
    var int: Int? { scalar.flatMap { Int.construct(from: $0.yams) } }
    var float: Double? { scalar.flatMap { Double.construct(from: $0.yams) } }
    var bool: Bool? { scalar.flatMap { Bool.construct(from: $0.yams) } }
}

/// What a scalar is after resolution; everything else YAML knows (timestamps, `<<`, custom tags) is `.other`.
enum YAMLType: Sendable, Equatable {
    case null, bool, int, float, string, other
}

extension YAMLNode.Scalar {
    static let stringTag = Tag.Name.str.rawValue

    /// Resolved as Yams' default resolver does, with a shortcut for the common case: a plain scalar starting with a
    /// letter or `_` that is not a YAML 1.1 boolean or null word can only be a string (numbers, timestamps, `.inf`, `~`,
    /// `<<` and `=` start otherwise). The default tries seven regular expressions on every string before calling it one;
    /// at 100,000 platforms that was a quarter of the start-up. `ConfigResolverTests` checks both agree.
    var type: YAMLType {
        if let tag {
            if tag == Self.stringTag { return .string }
        } else if Self.isPlainWord(string) {
            return .string
        }
        return Self.type(of: Tag.Name(rawValue: Yams.Node.scalar(yams).tag.rawValue))
    }

    /// A tag Yams resolved, as a type.
    static func type(of tag: Tag.Name) -> YAMLType {
        switch tag {
        case .null: return .null
        case .bool: return .bool
        case .int: return .int
        case .float: return .float
        case .str: return .string
        default: return .other
        }
    }

    /// The same scalar as a Yams node (for the rare scalars the shortcut does not settle, and for values).
    var yams: Yams.Node.Scalar {
        Yams.Node.Scalar(string, Tag(Tag.Name(rawValue: tag ?? ""), .default, .default), .plain)
    }

    private static let words: Set<String> = [
        "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
        "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL",
    ]

    static func isPlainWord(_ text: String) -> Bool {
        guard let first = text.utf8.first else { return false }
        switch first {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "_"):
            return text.utf8.count > 5 || !words.contains(text)
        default:
            return false
        }
    }
}
