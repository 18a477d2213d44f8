import GatewayNetworking
import GatewayCore
/// One gateway payload, `{op, d, s, t}`.
///
/// <https://discord.com/developers/docs/topics/gateway-events#payload-structure>
package struct GatewayFrame: Sendable, Equatable {
    /// The gateway opcodes gatewayd speaks.
    enum Opcode: Int, Sendable {
        case dispatch = 0
        case heartbeat = 1
        case identify = 2
        case resume = 6
        case reconnect = 7
        case invalidSession = 9
        case hello = 10
        case heartbeatACK = 11
    }

    var op: Int
    var d: JSONValue
    /// The sequence number of a dispatch (op 0); nil otherwise.
    package var s: Int64?
    /// The event name of a dispatch (`READY`, `MESSAGE_CREATE`, …).
    var t: String?

    init(op: Int, d: JSONValue = .null, s: Int64? = nil, t: String? = nil) {
        self.op = op
        self.d = d
        self.s = s
        self.t = t
    }

    init(_ opcode: Opcode, d: JSONValue = .null, s: Int64? = nil, t: String? = nil) {
        self.init(op: opcode.rawValue, d: d, s: s, t: t)
    }

    /// Parses a text frame; nil when it is not a gateway payload.
    package init?(text: String) {
        guard let json = JSONValue(parsing: text), let op = json["op"]?.intValue else { return nil }
        self.init(op: Int(op), d: json["d"] ?? .null, s: json["s"]?.intValue, t: json["t"]?.stringValue)
    }

    var opcode: Opcode? { Opcode(rawValue: op) }

    /// The payload as JSON text, ready to send.
    package var text: String {
        JSONValue.object([
            "op": .int(Int64(op)), "d": d, "s": s.map(JSONValue.int) ?? .null, "t": t.map(JSONValue.string) ?? .null,
        ]).text
    }

    // MARK: - What the client sends

    /// op 1 with the last sequence number received (null before the first dispatch).
    package static func heartbeat(seq: Int64?) -> GatewayFrame {
        GatewayFrame(.heartbeat, d: seq.map(JSONValue.int) ?? .null)
    }

    /// op 2. Holds the token: never log the result.
    static func identify(token: String, intents: Int) -> GatewayFrame {
        GatewayFrame(.identify, d: .object([
            "token": .string(token),
            "intents": .int(Int64(intents)),
            "properties": .object(["os": .string("linux"), "browser": .string("gatewayd"), "device": .string("gatewayd")]),
        ]))
    }

    /// op 6. Holds the token: never log the result.
    static func resume(token: String, sessionID: String, seq: Int64?) -> GatewayFrame {
        GatewayFrame(.resume, d: .object([
            "token": .string(token), "session_id": .string(sessionID), "seq": seq.map(JSONValue.int) ?? .null,
        ]))
    }
}
