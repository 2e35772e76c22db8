import FlagEngine
import Testing

/// MurmurHash3 x86_32 and the two bucket formulas built on it. The vectors are the reference implementation's
/// (SMHasher's published values and the Unleash and flagd formulas computed by hand from them); Murmur3VectorTests
/// compares thousands more with Python's mmh3.
@Suite("Murmur3")
struct Murmur3Tests {
    @Test("reference vectors: empty input, every tail length, seeds", arguments: [
        ("", UInt32(0), UInt32(0)),
        ("", 1, 0x514e_28b7),
        ("", 0xffff_ffff, 0x81f1_6f39),
        ("hello", 0, 0x248b_fa47),
        ("The quick brown fox jumps over the lazy dog", 0, 0x2e4f_f723),
        ("a", 0, 0x3c25_69b2),
        ("ab", 0, 0x9bbf_d75f),
        ("abc", 0, 0xb3dd_93fa),
        ("abcd", 0, 0x43ed_676a),
    ])
    func vectors(text: String, seed: UInt32, expected: UInt32) {
        #expect(Murmur3.hash32(text, seed: seed) == expected, "\(text) seed \(seed)")
    }

    @Test("Unleash: hash32(\"<groupId>:<id>\") % 100 + 1 is in 1...100; the variant seed differs from the strategy seed")
    func unleashBucket() {
        let strategy = Murmur3.unleashBucket(groupID: "Feature.flexible.rollout", id: "user-1")
        #expect(strategy == Murmur3.hash32("Feature.flexible.rollout:user-1") % 100 + 1)
        #expect((1...100).contains(strategy))
        let variant = Murmur3.unleashBucket(groupID: "toggle", id: "user-1", modulus: 1000, seed: Murmur3.unleashVariantSeed)
        #expect(variant == Murmur3.hash32("toggle:user-1", seed: 86_028_157) % 1000 + 1)
        #expect(Murmur3.hash32("toggle:user-1", seed: 86_028_157) != Murmur3.hash32("toggle:user-1"))
    }

    @Test("flagd: (hash * totalWeight) >> 32 is in 0..<totalWeight and spreads evenly")
    func flagdBucket() {
        var counts = [Int](repeating: 0, count: 4)
        for index in 0..<40_000 {
            let bucket = Murmur3.flagdBucket("flag-\(index)", totalWeight: 4)
            #expect(bucket < 4)
            counts[Int(bucket)] += 1
        }
        for count in counts { #expect(abs(count - 10_000) < 400, "\(counts)") }
        #expect(Murmur3.flagdBucket("hello", totalWeight: 100) == (UInt64(0x248b_fa47) * 100) >> 32)
    }
}
