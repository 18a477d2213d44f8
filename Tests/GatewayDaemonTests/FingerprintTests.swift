import Testing

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime

@Suite("SHA-256")
struct SHA256Tests {
    @Test("FIPS 180-2 vectors: empty, abc, the 448-bit message")
    func fipsVectors() {
        #expect(SHA256.hexDigest(of: Array("".utf8))
            == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexDigest(of: Array("abc".utf8))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hexDigest(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("FIPS 180-2 vector: one million 'a'")
    func millionA() {
        #expect(SHA256.hexDigest(of: repeatElement(UInt8(ascii: "a"), count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Lengths around the padding boundary (55 bytes fits the length in the last block, 56 does not), checked
    /// against another implementation (Python's hashlib).
    @Test("padding boundaries", arguments: [
        (55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
        (63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
        (64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
        (65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"),
        (119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"),
    ])
    func paddingBoundaries(length: Int, expected: String) {
        #expect(SHA256.hexDigest(of: repeatElement(UInt8(ascii: "a"), count: length)) == expected)
    }

    @Test("feeding the message in pieces gives the one-shot digest")
    func incremental() {
        let message = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8) + Array(repeating: 7, count: 100)
        var hasher = SHA256()
        hasher.update(message[0..<3])
        hasher.update(message[3..<70])
        hasher.update(message[70...])
        #expect(hasher.finalize() == SHA256.hash(message))
        #expect(SHA256.hash(message).count == 32)
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
