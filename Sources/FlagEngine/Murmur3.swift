/// MurmurHash3, x86 32-bit variant: the hash flagd's `fractional` operator and Unleash's strategies bucket users with.
///
/// Bit-exact with Austin Appleby's reference `MurmurHash3_x86_32` over the UTF-8 bytes of a string (the bytes are read
/// as little-endian 32-bit blocks whatever the host's byte order), as flagd (Go: `github.com/twmb/murmur3`) and the
/// Unleash SDKs (`murmurhash3js`, `murmur3` crates) compute it.
public enum Murmur3 {
    /// The seed Unleash hashes variant stickiness with (`86028157`); strategies use seed 0.
    public static let unleashVariantSeed: UInt32 = 86_028_157

    /// `MurmurHash3_x86_32(bytes, seed)`.
    @inlinable @inline(__always)
    public static func hash32(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        let c1: UInt32 = 0xcc9e_2d51
        let c2: UInt32 = 0x1b87_3593
        var h = seed
        let count = bytes.count
        let blocks = count / 4
        var index = 0
        while index < blocks {
            var k = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
            k &*= c1
            k = (k << 15) | (k >> 17)
            k &*= c2
            h ^= k
            h = (h << 13) | (h >> 19)
            h = h &* 5 &+ 0xe654_6b64
            index += 1
        }
        let tail = blocks * 4
        var k: UInt32 = 0
        switch count & 3 {
        case 3:
            k ^= UInt32(bytes[tail + 2]) << 16
            fallthrough
        case 2:
            k ^= UInt32(bytes[tail + 1]) << 8
            fallthrough
        case 1:
            k ^= UInt32(bytes[tail])
            k &*= c1
            k = (k << 15) | (k >> 17)
            k &*= c2
            h ^= k
        default:
            break
        }
        h ^= UInt32(truncatingIfNeeded: count)
        h ^= h >> 16
        h &*= 0x85eb_ca6b
        h ^= h >> 13
        h &*= 0xc2b2_ae35
        h ^= h >> 16
        return h
    }

    /// `MurmurHash3_x86_32` of `prefix` followed by the UTF-8 of `id`, without copying `id` when its storage is
    /// contiguous (small strings included): the bucketing hash of the hot paths.
    @inline(__always)
    static func hash32(prefix: UnsafeBufferPointer<UInt8>, id: String, seed: UInt32 = 0) -> UInt32 {
        if let hash = id.utf8.withContiguousStorageIfAvailable({ hash32(prefix: prefix, $0, seed: seed) }) { return hash }
        var copy = id
        return copy.withUTF8 { hash32(prefix: prefix, $0, seed: seed) }
    }

    /// The same hash over two pieces, read as one text without copying them together: the bytes of `prefix` and
    /// then `id`, gathered into little-endian 32-bit blocks as they come (a word at a time from `id`).
    @inline(__always)
    static func hash32(prefix: UnsafeBufferPointer<UInt8>, _ id: UnsafeBufferPointer<UInt8>, seed: UInt32) -> UInt32 {
        var h = seed
        @inline(__always) func mix(_ block: UInt32) {
            var k = block &* 0xcc9e_2d51
            k = (k << 15) | (k >> 17)
            k &*= 0x1b87_3593
            h ^= k
            h = (h << 13) | (h >> 19)
            h = h &* 5 &+ 0xe654_6b64
        }
        // Bytes not yet in a block, in the low `pendingBits` bits.
        var pending: UInt64 = 0
        var pendingBits: UInt64 = 0
        @inline(__always) func feed(_ byte: UInt8) {
            pending |= UInt64(byte) << pendingBits
            pendingBits += 8
            if pendingBits == 32 {
                mix(UInt32(truncatingIfNeeded: pending))
                pending = 0
                pendingBits = 0
            }
        }
        for byte in prefix { feed(byte) }
        var offset = 0
        if let base = id.baseAddress {
            let raw = UnsafeRawPointer(base)
            while offset + 4 <= id.count {
                pending |= UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) << pendingBits
                mix(UInt32(truncatingIfNeeded: pending))
                pending >>= 32
                offset += 4
            }
        }
        while offset < id.count {
            feed(id[offset])
            offset += 1
        }
        if pendingBits > 0 {
            var k = UInt32(truncatingIfNeeded: pending) &* 0xcc9e_2d51
            k = (k << 15) | (k >> 17)
            k &*= 0x1b87_3593
            h ^= k
        }
        h ^= UInt32(truncatingIfNeeded: prefix.count + id.count)
        h ^= h >> 16
        h &*= 0x85eb_ca6b
        h ^= h >> 13
        h &*= 0xc2b2_ae35
        h ^= h >> 16
        return h
    }

    /// `MurmurHash3_x86_32` of the UTF-8 bytes of `text`.
    public static func hash32(_ text: String, seed: UInt32 = 0) -> UInt32 {
        var text = text
        return text.withUTF8 { hash32(UnsafeRawBufferPointer($0), seed: seed) }
    }

    /// `MurmurHash3_x86_32` of the UTF-8 bytes of `first + middle + last`, joined in a stack buffer rather than a new
    /// string (the bucketing keys `"<groupId>:<id>"` and `flagKey + targetingKey`).
    public static func hash32(joining first: String, _ middle: String, _ last: String, seed: UInt32 = 0) -> UInt32 {
        var first = first, middle = middle, last = last
        return first.withUTF8 { a in
            middle.withUTF8 { b in
                last.withUTF8 { c in
                    withUnsafeTemporaryAllocation(byteCount: a.count + b.count + c.count, alignment: 4) { buffer in
                        var offset = 0
                        func append(_ part: UnsafeBufferPointer<UInt8>) {
                            guard part.count > 0 else { return }
                            UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<offset + part.count])
                                .copyMemory(from: UnsafeRawBufferPointer(part))
                            offset += part.count
                        }
                        append(a)
                        append(b)
                        append(c)
                        return hash32(UnsafeRawBufferPointer(buffer), seed: seed)
                    }
                }
            }
        }
    }

    /// Unleash's normalized hash: `hash32("<groupId>:<id>", seed) % modulus + 1`, in `1 ... modulus`. Strategies use
    /// modulus 100 and seed 0 (a user is in a `percentage` rollout iff `percentage > 0 && bucket <= percentage`);
    /// variants use the total weight and `unleashVariantSeed`.
    public static func unleashBucket(groupID: String, id: String, modulus: UInt32 = 100, seed: UInt32 = 0) -> UInt32 {
        hash32(joining: groupID, ":", id, seed: seed) % modulus + 1
    }

    /// flagd's `fractional` bucket: `(UInt64(hash32(value)) * totalWeight) >> 32`, in `0 ..< totalWeight`; the
    /// variant is the first whose cumulative weight exceeds it.
    public static func flagdBucket(_ value: String, totalWeight: UInt64) -> UInt64 {
        (UInt64(hash32(value)) &* totalWeight) >> 32
    }
}
