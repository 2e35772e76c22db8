import CSHA256

/// The seed system's bucketing, bit-exact so that migrating users keep their cohorts.
///
/// `bucket = UInt32(big-endian, first 4 bytes of SHA-256("<flag_key>:<id>")) / 2^32`, a number in `0 ..< 1`.
public enum Bucketing {
    /// The 32-bit hash of `"<flagKey>:<id>"`: the first four bytes of its SHA-256, big-endian.
    public static func hash32(flagKey: String, id: String) -> UInt32 {
        var prefix = flagKey
        prefix += ":"
        return Array(prefix.utf8).withUnsafeBufferPointer { hash32(prefix: $0, id: id) }
    }

    /// The 32-bit hash of `prefix` (already `"<flag_key>:"` in UTF-8) followed by `id`.
    public static func hash32(prefix: UnsafeBufferPointer<UInt8>, id: String) -> UInt32 {
        let hashed = id.utf8.withContiguousStorageIfAvailable { idBytes in
            csha256_prefix32(prefix.baseAddress, prefix.count, idBytes.baseAddress, idBytes.count)
        }
        if let hashed { return hashed }
        var id = id
        return id.withUTF8 { idBytes in
            csha256_prefix32(prefix.baseAddress, prefix.count, idBytes.baseAddress, idBytes.count)
        }
    }

    /// The bucket of `id` for `flagKey`, in `0 ..< 1`.
    public static func bucket(flagKey: String, id: String) -> Double {
        Double(hash32(flagKey: flagKey, id: id)) / 4_294_967_296.0
    }

    /// The lowercase hex SHA-256 of `bytes`; used for config checksums.
    public static func sha256Hex(_ bytes: some Collection<UInt8>) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        let input = Array(bytes)
        input.withUnsafeBytes { raw in
            digest.withUnsafeMutableBufferPointer { out in
                csha256_digest(raw.baseAddress, raw.count, out.baseAddress!)
            }
        }
        let digits = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in digest {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}
