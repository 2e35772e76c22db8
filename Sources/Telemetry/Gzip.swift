import CZlib

/// gzip (RFC 1952) compression of a response body.
public enum Gzip {
    /// `bytes` compressed at `level` (1 fastest .. 9 smallest), or `nil` if zlib failed.
    public static func compress(_ bytes: [UInt8], level: Int32 = 5) -> [UInt8]? {
        let capacity = czlib_gzip_bound(bytes.count)
        var output = [UInt8](repeating: 0, count: capacity)
        let produced = bytes.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                czlib_gzip(input.baseAddress, input.count, out.baseAddress, out.count, level)
            }
        }
        guard produced > 0 else { return nil }
        output.removeLast(output.count - produced)
        return output
    }
}
