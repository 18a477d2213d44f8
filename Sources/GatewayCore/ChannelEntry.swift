/// One chat or channel a platform knows.
public struct ChannelEntry: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var kind: String

    public init(id: String, name: String, kind: String) {
        self.id = id
        self.name = name
        self.kind = kind
    }
}
