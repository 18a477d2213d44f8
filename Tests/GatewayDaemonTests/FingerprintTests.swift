import Testing

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime

@Suite("SHA-256 and webhook signatures")
struct SignatureTests {
    @Test("SHA-256 hex: the FIPS 180-2 vectors")
    func digests() {
        #expect(Hashing.sha256Hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Hashing.sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    static let body = Array(#"{"text":"hi"}"#.utf8)
    static let secret = Secret("whsec-test")

    /// Pinned against Python's hmac (contrib/verify_webhook.py computes the same): HMAC-SHA256 over
    /// "v0:" + timestamp + ":" + body.
    @Test("the signature is HMAC-SHA256 over v0:timestamp:body, as v0=hex")
    func pinned() {
        #expect(WebhookSignature.signature(body: Self.body, timestamp: 1_796_306_156, secret: Self.secret)
            == "v0=3009fe103e91628f12a53bc8a0871d83102e4ccf17cfe6afd869c4a167e1a3f8")
    }

    @Test("verify accepts the genuine request and rejects a tampered body, another secret, a stale or future time, junk")
    func verification() {
        let ts: Int64 = 1_796_306_156
        let signature = WebhookSignature.signature(body: Self.body, timestamp: ts, secret: Self.secret)
        func check(
            _ body: [UInt8] = Self.body, _ timestamp: String? = "1796306156", sig: String? = nil,
            secret: Secret = Self.secret, now: Int64 = ts + 10
        ) -> WebhookSignature.Failure? {
            WebhookSignature.failure(body: body, timestamp: timestamp, signature: sig ?? signature, secret: secret, now: now)
        }
        #expect(check() == nil)
        #expect(check(now: ts + 300) == nil, "five minutes is still fresh")
        #expect(check(Array(#"{"text":"hI"}"#.utf8)) == .mismatch)
        #expect(check(secret: Secret("another")) == .mismatch)
        #expect(check(Self.body, "1796306157") == .mismatch, "the timestamp is signed too")
        #expect(check(now: ts + 301) == .stale)
        #expect(check(now: ts - 301) == .stale)
        #expect(check(Self.body, nil) == .malformed)
        #expect(check(Self.body, "soon") == .malformed)
        #expect(check(sig: "v1=" + signature.dropFirst(3)) == .malformed)
        #expect(check(sig: "v0=zz") == .malformed)
        #expect(check(sig: String(signature.dropLast(2))) == .malformed)
    }

    @Test("Secret.matches: the same text only")
    func secretMatches() {
        let token = Secret("s3cret-token")
        #expect(token.matches("s3cret-token"))
        #expect(!token.matches("s3cret-tokeN") && !token.matches("s3cret-token ") && !token.matches(""))
    }
}

@Suite("Credential fingerprint")
struct FingerprintTests {
    private func platform(_ secrets: [String: String], type: PlatformType = .telegram) -> PlatformConfig {
        PlatformConfig(name: "p", type: type, secrets: secrets.mapValues(Secret.init))
    }

    @Test("nil without secrets; 16 lowercase hex digits with them")
    func shape() throws {
        #expect(platform([:], type: .simulated).credentialFingerprint == nil)
        let fingerprint = try #require(platform(["token": "123:abc"]).credentialFingerprint)
        #expect(fingerprint.count == 16)
        #expect(fingerprint.allSatisfy { $0.isHexDigit && !$0.isUppercase })
    }

    /// Pins the canonical encoding: "gatewayd-credentials-v1", the type, then key and value of each secret sorted by
    /// key, each field prefixed with its UTF-8 length as a 64-bit big-endian integer (computed with Python's hashlib).
    @Test("the canonical encoding is stable")
    func pinned() {
        #expect(platform(["token": "123:abc"]).credentialFingerprint == "572770ae7f6d72a4")
        #expect(platform(["sasl_password": "q", "password": "p"], type: .irc).credentialFingerprint == "f06eea4fa30ddff0")
    }

    @Test("changing a secret, or the type, changes the fingerprint")
    func changes() {
        let base = platform(["token": "123:abc"]).credentialFingerprint
        #expect(base != platform(["token": "123:abd"]).credentialFingerprint)
        #expect(base != platform(["token": "123:abc"], type: .discord).credentialFingerprint)
        #expect(base != platform(["token": "123:abc", "other": ""]).credentialFingerprint)
    }

    @Test("length prefixes keep key/value boundaries apart")
    func unambiguous() {
        #expect(platform(["a": "bc"]).credentialFingerprint != platform(["ab": "c"]).credentialFingerprint)
        #expect(platform(["a": "b", "c": "d"]).credentialFingerprint != platform(["a": "bcd"]).credentialFingerprint)
    }

    @Test("the fingerprint does not contain the secret, and does not depend on the name or other settings")
    func independentOfRest() throws {
        let secret = "0123456789abcdef0123456789abcdef"
        let fingerprint = try #require(platform(["token": secret]).credentialFingerprint)
        #expect(!secret.contains(fingerprint))
        #expect(!fingerprint.contains(secret.prefix(8)))
        var renamed = platform(["token": secret])
        renamed.name = "other"
        renamed.options["api_base"] = .string("https://example.invalid")
        #expect(renamed.credentialFingerprint == fingerprint)
    }

    @Test("a parsed config's fingerprint follows the environment's secret")
    func fromConfig() throws {
        let yaml = "platforms:\n  t: { type: telegram, token: ${TOKEN} }\n"
        func fingerprint(_ token: String) throws -> String? {
            try GatewayConfig.parse(yaml: yaml, source: "t.yaml", environment: ["TOKEN": token]).platforms[0]
                .credentialFingerprint
        }
        #expect(try fingerprint("123:abc") == "572770ae7f6d72a4")
        #expect(try fingerprint("123:abc") != fingerprint("123:xyz"))
    }
}
