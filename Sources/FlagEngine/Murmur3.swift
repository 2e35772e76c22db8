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
        var h = seed
        let count = bytes.count
        var offset = 0
        while offset &+ 4 <= count {
            h = mix(h, UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            offset &+= 4
        }
        var tail: UInt32 = 0
        for index in 0..<(count & 3) { tail |= UInt32(bytes[offset &+ index]) &<< UInt32(8 &* index) }
        if count & 3 > 0 { h ^= scramble(tail) }
        return finalize(h, length: count)
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

extension Murmur3 {
    /// The hash's state after a fixed prefix (a flag key, `"<groupId>:"`): the prefix's whole 32-bit blocks already
    /// mixed in, its last 0-3 bytes waiting to join the id's. Hashing an id after it reads only the id's bytes, a
    /// word at a time, with the join's shift a constant in each of four specialised loops: the bucketing hash of the
    /// hot paths, equal to ``hash32(_:seed:)`` of the prefix followed by the id (tested against it).
    struct Prefix: BitwiseCopyable {
        private var state: UInt32
        private var carry: UInt32
        private var carryCount: Int32
        private var length: Int32

        /// The state after `bytes` (at most `Int32.max` of them), from `seed`.
        init(_ prefix: some Collection<UInt8>, seed: UInt32 = 0) {
            let bytes = Array(prefix)
            var state = seed
            let blocks = bytes.count / 4
            for block in 0..<blocks {
                state = Murmur3.mix(state, Self.littleEndianWord(bytes[block * 4 ..< block * 4 + 4]))
            }
            self.state = state
            carry = Self.littleEndianWord(bytes[(blocks * 4)...])
            carryCount = Int32(bytes.count & 3)
            length = Int32(truncatingIfNeeded: bytes.count)
        }

        private static func littleEndianWord(_ bytes: ArraySlice<UInt8>) -> UInt32 {
            var word: UInt32 = 0
            for (position, byte) in bytes.enumerated() { word |= UInt32(byte) << (8 * UInt32(position)) }
            return word
        }

        /// `hash32(prefix + id)`, reading `id`'s UTF-8 in place (small strings included).
        func hash(_ id: String) -> UInt32 {
            if let hash = id.utf8.withContiguousStorageIfAvailable({ hash(UnsafeRawBufferPointer($0)) }) { return hash }
            var copy = id
            return copy.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
        }

        /// `hash32(prefix + id)`.
        @inline(__always)
        func hash(_ id: UnsafeRawBufferPointer) -> UInt32 {
            switch carryCount {
            case 0: hash(id, shift: 0)
            case 1: hash(id, shift: 8)
            case 2: hash(id, shift: 16)
            default: hash(id, shift: 24)
            }
        }

        /// The id's blocks are its words shifted left past the waiting bytes (`shift` bits of them); each block's
        /// top bytes wait for the next.
        @inline(__always)
        private func hash(_ id: UnsafeRawBufferPointer, shift: UInt64) -> UInt32 {
            var h = state
            var waiting = UInt64(carry)
            let count = id.count
            var offset = 0
            if let base = id.baseAddress {
                while offset &+ 4 <= count {
                    let word = UInt64(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                    let joined = waiting | word &<< shift
                    h = Murmur3.mix(h, UInt32(truncatingIfNeeded: joined))
                    waiting = joined &>> 32
                    offset &+= 4
                }
            }
            let tailCount = count & 3
            var tail: UInt64 = 0
            if tailCount > 0 {
                if count >= 4 {
                    // The id's last four bytes (in bounds), shifted down to the 1-3 not yet read.
                    let last = id.baseAddress!.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
                    tail = UInt64(UInt32(littleEndian: last)) &>> UInt64(32 &- 8 &* tailCount)
                } else {
                    for index in 0..<tailCount { tail |= UInt64(id[index]) &<< UInt64(8 &* index) }
                }
            }
            var rest = waiting | tail &<< shift
            var restCount = Int(shift / 8) &+ tailCount
            if restCount >= 4 {
                h = Murmur3.mix(h, UInt32(truncatingIfNeeded: rest))
                rest &>>= 32
                restCount &-= 4
            }
            if restCount > 0 { h ^= Murmur3.scramble(UInt32(truncatingIfNeeded: rest)) }
            return Murmur3.finalize(h, length: Int(length) &+ count)
        }
    }

    /// A block's scrambling before it joins the state (also the whole treatment of the final partial block).
    @inlinable @inline(__always)
    static func scramble(_ block: UInt32) -> UInt32 {
        let k = block &* 0xcc9e_2d51
        return ((k &<< 15) | (k &>> 17)) &* 0x1b87_3593
    }

    /// The state after one whole block.
    @inlinable @inline(__always)
    static func mix(_ state: UInt32, _ block: UInt32) -> UInt32 {
        let h = state ^ scramble(block)
        return ((h &<< 13) | (h &>> 19)) &* 5 &+ 0xe654_6b64
    }

    /// The final avalanche over the state and the total length.
    @inlinable @inline(__always)
    static func finalize(_ state: UInt32, length: Int) -> UInt32 {
        var h = state ^ UInt32(truncatingIfNeeded: length)
        h ^= h &>> 16
        h &*= 0x85eb_ca6b
        h ^= h &>> 13
        h &*= 0xc2b2_ae35
        return h ^ (h &>> 16)
    }
}
