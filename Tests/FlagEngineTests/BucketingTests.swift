import FlagEngine
import Testing

@Suite("Seed bucketing")
struct BucketingTests {
    @Test("the documented vector p:u1 buckets at 0.2358645969...")
    func vectorP() {
        let bucket = Bucketing.bucket(flagKey: "p", id: "u1")
        #expect(abs(bucket - 0.2358645969) < 1e-10)
    }

    @Test("the documented vector phase1_config_externalization:user123 buckets at 0.456757...")
    func vectorPhase1() {
        let bucket = Bucketing.bucket(flagKey: "phase1_config_externalization", id: "user123")
        #expect(abs(bucket - 0.456757) < 1e-6)
    }

    @Test("25% of phase1_config_externalization over user_0..user_N hits the seed's counts", arguments: [(100, 26), (10_000, 2479)])
    func percentageCounts(users: Int, expectedHits: Int) {
        let key = "phase1_config_externalization"
        let set = TestFlags.set(TestFlags.flag(key, rollout: Rollout(strategy: .percentage(25))))
        let hits = (0..<users).count { set.evaluate(key, in: TestFlags.user("user_\($0)")).reason == .rolloutMatch }
        #expect(hits == expectedHits)
    }

    @Test("the 32-bit hash is the first four bytes of SHA-256, big-endian")
    func hashIsSHA256Prefix() {
        // SHA-256("abc") = ba7816bf...
        #expect(Bucketing.hash32(flagKey: "a", id: "bc") != 0)
        #expect(Bucketing.sha256Hex(Array("abc".utf8)).hasPrefix("ba7816bf"))
        #expect(Bucketing.hash32(flagKey: "ab", id: "") == Bucketing.hash32(flagKey: "ab", id: ""))
        let hash = Bucketing.hash32(flagKey: "a", id: "bc")
        // "a:bc" hashed by the shim equals the hex digest of the same bytes.
        #expect(String(hash, radix: 16).leftPadded(8) == String(Bucketing.sha256Hex(Array("a:bc".utf8)).prefix(8)))
    }

    @Test("a long key (over the shim's stack buffer) hashes like the same bytes in one piece")
    func longKey() {
        let id = String(repeating: "x", count: 400)
        let hash = Bucketing.hash32(flagKey: "flag", id: id)
        #expect(String(hash, radix: 16).leftPadded(8) == String(Bucketing.sha256Hex(Array("flag:\(id)".utf8)).prefix(8)))
    }

    @Test("FIPS 180-4 known answers through the one-block path and the streaming path", arguments: [
        ("", "e3b0c442"),
        ("abc", "ba7816bf"),
        // 56 bytes: the shortest message whose padding needs a second block.
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61"),
    ])
    func knownAnswers(message: String, expectedPrefix: String) {
        let bytes = Array(message.utf8)
        let split = bytes.count / 2
        let hash = Array(bytes[..<split]).withUnsafeBufferPointer { prefix in
            Bucketing.hash32(prefix: prefix, id: String(decoding: bytes[split...], as: UTF8.self))
        }
        #expect(String(hash, radix: 16).leftPadded(8) == expectedPrefix)
    }

    @Test("every key length from 0 to 300 bytes hashes like OpenSSL's streaming digest of the same bytes")
    func everyLength() {
        for length in 0...300 {
            let id = String((0..<length).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
            let hash = Array("k:".utf8).withUnsafeBufferPointer { Bucketing.hash32(prefix: $0, id: id) }
            let expected = String(Bucketing.sha256Hex(Array("k:\(id)".utf8)).prefix(8))
            #expect(String(hash, radix: 16).leftPadded(8) == expected, "key of \(length + 2) bytes")
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
