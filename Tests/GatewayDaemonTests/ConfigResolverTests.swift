import Testing
import Yams

@testable import GatewayDaemon

/// The configuration's YAML resolver is Yams' default with a shortcut in front for plain strings: it must resolve
/// every scalar exactly as the default does.
@Suite("Config: the YAML resolver")
struct ConfigResolverTests {
    static let scalars = [
        "", "~", "null", "Null", "NULL", "nul", "nullable", "yes", "Yes", "YES", "yEs", "no", "No", "on", "On", "ON",
        "off", "Off", "true", "True", "TRUE", "false", "False", "FALSE", "y", "n", "Yesterday", "online", "offline",
        "true_value", "_private", "connect", "fail network x3, then connect", "telegram", "p000001", "6667", "-1",
        "+12", "0x1F", "0o17", "0b101", "1_000", "1:30", "3.14", "-0.5", "1e3", ".inf", "-.inf", ".NaN", ".5",
        "2001-12-14", "2001-12-14t21:59:43.10-05:00", "<<", "=", "30s", "5m", "https://api.telegram.org", "#chan",
        "@user", "${TOKEN}", "a b", "Z", "_",
    ]

    @Test("every scalar resolves to the same tag as with Yams' default resolver, plain and quoted")
    func sameAsDefault() throws {
        for scalar in Self.scalars {
            for style in [Node.Scalar.Style.plain, .doubleQuoted] {
                let ours = Node(scalar, Tag(.implicit, ConfigParser.resolver), style)
                let theirs = Node(scalar, Tag(.implicit, .default), style)
                #expect(ours.tag.description == theirs.tag.description, "'\(scalar)' (\(style))")
            }
        }
    }
}
