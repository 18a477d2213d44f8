import Testing
import Yams

@testable import GatewayDaemon

/// The configuration's YAML reader (``YAMLComposer`` over libyaml's events, ``YAMLNode``) must read every document
/// as `Yams.compose` with Yams' default resolver did: the same tree, texts, lines and scalar types.
@Suite("Config: the YAML reader")
struct ConfigResolverTests {
    static let scalars = [
        "", "~", "null", "Null", "NULL", "nul", "nullable", "yes", "Yes", "YES", "yEs", "no", "No", "on", "On", "ON",
        "off", "Off", "true", "True", "TRUE", "false", "False", "FALSE", "y", "n", "Yesterday", "online", "offline",
        "true_value", "_private", "connect", "fail network x3, then connect", "telegram", "p000001", "6667", "-1",
        "+12", "0x1F", "0o17", "0b101", "1_000", "1:30", "3.14", "-0.5", "1e3", ".inf", "-.inf", ".NaN", ".5",
        "2001-12-14", "2001-12-14t21:59:43.10-05:00", "<<", "=", "30s", "5m", "https://api.telegram.org", "#chan",
        "@user", "${TOKEN}", "a b", "Z", "_", "nulls", "Off_", "NO2",
    ]

    /// Yams' resolved tag as our reader's type.
    static func type(of node: Node) -> YAMLType { YAMLNode.Scalar.type(of: Tag.Name(rawValue: node.tag.rawValue)) }

    @Test("every plain scalar resolves to the type Yams' default resolver gives it; a quoted one is a string")
    func sameAsDefault() throws {
        for scalar in Self.scalars {
            let plain = YAMLNode.Scalar(string: scalar, tag: nil, line: 1)
            #expect(plain.type == Self.type(of: Node(scalar, Tag(.implicit, .default), .plain)), "'\(scalar)'")
            let quoted = YAMLNode.Scalar(string: scalar, tag: YAMLNode.Scalar.stringTag, line: 1)
            #expect(quoted.type == .string, "'\(scalar)' quoted")
            let tagged = YAMLNode.Scalar(string: scalar, tag: Tag.Name.int.rawValue, line: 1)
            #expect(tagged.type == .int, "!!int '\(scalar)'")
        }
    }

    /// Every scalar of the tree as (line, text, type), depth first, keys before values.
    static func flatten(_ node: YAMLNode) -> [String] {
        switch node {
        case .scalar(let scalar): return ["\(scalar.line) \(scalar.string) \(scalar.type)"]
        case .mapping(let mapping): return ["\(mapping.line) {"] + mapping.flatMap { flatten($0.key) + flatten($0.value) } + ["}"]
        case .sequence(let items): return ["\(items.line) ["] + items.flatMap(flatten) + ["]"]
        }
    }

    static func flatten(_ node: Node) -> [String] {
        switch node {
        case .scalar(let scalar): return ["\(node.mark?.line ?? 0) \(scalar.string) \(type(of: node))"]
        case .mapping(let mapping): return ["\(node.mark?.line ?? 0) {"] + mapping.flatMap { flatten($0.key) + flatten($0.value) } + ["}"]
        case .sequence(let items): return ["\(node.mark?.line ?? 0) ["] + items.flatMap(flatten) + ["]"]
        case .alias: return ["alias"]
        }
    }

    @Test("documents compose to the same tree as Yams: block and flow styles, quoting, anchors and aliases, folded text")
    func sameTreeAsYams() throws {
        let documents = [
            ConfigTests.example,
            """
            defaults: &slow { base: 1m, cap: 10m }
            reconnect: *slow
            platforms:
              "quoted key": { type: simulated, script: 'connect' }
              list:
                - one
                - "two"
                - 3
                - [4, five, ~]
              folded: >
                a long
                text
              literal: |
                line 1
                line 2
              tagged: !!str 6697
              empty:
              number: 0x1F
            """,
            "",
            "just a scalar",
            "- a\n- b\n",
        ]
        for written in documents {
            let document = EnvironmentSubstitution.protectingReferences(in: written)
            let ours = try YAMLComposer.compose(document)
            let theirs = try Yams.compose(yaml: document)
            #expect(ours.map(Self.flatten) == theirs.map(Self.flatten), "\(document)")
        }
    }

    @Test("bad documents: libyaml's phrase and the line, never the text; one document only; undefined aliases")
    func problems() {
        func problem(_ text: String) -> YAMLComposer.Problem? {
            do { _ = try YAMLComposer.compose(text) } catch { return error }
            return nil
        }
        #expect(problem("a: b: c\n") == YAMLComposer.Problem(problem: "mapping values are not allowed in this context", line: 1))
        #expect(problem("a: 1\n---\nb: 2\n")?.line == 2)
        #expect(problem("a: 1\n---\nb: 2\n")?.problem.contains("another document") == true)
        #expect(problem("a: *nothing\n") == YAMLComposer.Problem(problem: "found undefined alias", line: 1))
        #expect(problem("a: \"secret-value\n")?.problem.contains("secret-value") == false)
        // A repeated key is kept by the composer; the configuration reader refuses it with the key path (ConfigTests).
        #expect(problem("a: 1\na: 2\n") == nil)
        // Deep nesting is composed without recursion; libyaml refuses more than 1,000 levels.
        #expect(problem(String(repeating: "[", count: 900) + String(repeating: "]", count: 900)) == nil)
        #expect(problem(String(repeating: "[", count: 5_000))?.problem.hasPrefix("Maximum nesting level reached") == true)
    }
}
