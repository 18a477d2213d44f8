import Crypto

/// How gatewayd signs the requests it makes to a consumer (the inbox webhook, the alert webhook), the way Slack signs
/// its own: with a shared secret configured (`inbox: { secret: ${…} }`, `alerts: { secret: ${…} }`), every request
/// carries
///
///     X-Gatewayd-Request-Timestamp: 1796306156            (Unix seconds when the request was made)
///     X-Gatewayd-Signature: v0=<hex HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)>
///
/// The consumer recomputes the HMAC over the raw body, compares in constant time, and rejects a timestamp more than
/// five minutes from its own clock (a replay). Each retry is signed anew, with its own timestamp.
public enum WebhookSignature {
    public static let timestampHeader = "X-Gatewayd-Request-Timestamp"
    public static let signatureHeader = "X-Gatewayd-Signature"
    /// How far a timestamp may be from the verifier's clock: five minutes, as Slack's.
    public static let toleranceSeconds: Int64 = 300

    /// The `X-Gatewayd-Signature` value for `body` sent at `timestamp` (Unix seconds).
    public static func signature(body: [UInt8], timestamp: Int64, secret: Secret) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: base(body: body, timestamp: timestamp), using: key(secret))
        return "v0=" + Hashing.hex(mac)
    }

    /// Why a request does not verify.
    public enum Failure: Error, Sendable, Equatable {
        /// The headers are missing or not of the documented form.
        case malformed
        /// The timestamp is more than ``toleranceSeconds`` from `now`: a replay, or a clock far off.
        case stale
        /// The signature is not the body's under this secret: tampered, or another secret.
        case mismatch
    }

    /// Checks a received request — its raw `body` and its two headers — against `secret` at `now` (Unix seconds):
    /// nil when it is genuine and fresh, else why not. The comparison is constant-time (swift-crypto's
    /// `isValidAuthenticationCode`).
    public static func failure(
        body: [UInt8], timestamp: String?, signature: String?, secret: Secret, now: Int64
    ) -> Failure? {
        guard let timestamp, let seconds = Int64(timestamp), let signature, signature.hasPrefix("v0="),
              let mac = bytes(hex: signature.dropFirst(3)), mac.count == SHA256.byteCount
        else { return .malformed }
        guard abs(now - seconds) <= toleranceSeconds else { return .stale }
        let valid = HMAC<SHA256>.isValidAuthenticationCode(
            mac, authenticating: base(body: body, timestamp: seconds), using: key(secret))
        return valid ? nil : .mismatch
    }

    static func base(body: [UInt8], timestamp: Int64) -> [UInt8] {
        Array("v0:\(timestamp):".utf8) + body
    }

    static func key(_ secret: Secret) -> SymmetricKey {
        SymmetricKey(data: Array(secret.revealed.utf8))
    }

    static func bytes(hex: Substring) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var result: [UInt8] = []
        result.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            result.append(high << 4 | low)
        }
        return result
    }
}
