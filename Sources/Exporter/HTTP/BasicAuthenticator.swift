import CCrypt
import FlagConfig
import Settings
import FlagEngine
import Locking
import NIOPosix

/// Checks basic-auth credentials against the bcrypt hashes of `basic_auth_users`, with libcrypt's `crypt_rn`.
///
/// bcrypt is slow on purpose (tens of milliseconds at cost 10), so it runs on NIO's blocking thread pool, never on an
/// event loop or the cooperative pool; and results are cached, as exporter-toolkit caches them, keyed by the hash and
/// a SHA-256 of the password, so a scraper sending the same credentials every 15 s costs one bcrypt, not one per
/// scrape. An unknown user is checked against a dummy hash of the same cost, so the answer's timing does not say
/// which user names exist.
final class BasicAuthenticator: Sendable {
    /// Verified results kept; past this the cache is emptied (it refills with the credentials in use).
    static let cacheCapacity = 256
    /// A bcrypt hash (cost 10) of a random password nobody holds.
    static let dummyHash = "$2y$10$KZws0CDnxGP7iJ3yDfPotOtMWswffhC4.FWfXarilEzMAZrkEu.Aa"

    /// The dummy hash at the highest cost among `users`, so an unknown user costs as much as the most expensive
    /// known one and the answer's timing does not tell user names apart (bcrypt's time depends on the cost only).
    static func dummyHash(for users: [String: String]) -> String {
        let cost = users.values.compactMap(WebConfig.bcryptCost).max() ?? 10
        let digits = cost < 10 ? "0\(cost)" : "\(cost)"
        return "$2y$" + digits + String(dummyHash.dropFirst(6))
    }

    private let cache = Locked<[String: Bool]>([:])

    init() {}

    /// Whether `user` with `password` is one of `users` (user name to bcrypt hash).
    func verify(user: String, password: String, users: [String: String]) async -> Bool {
        // crypt(3) reads a C string: a password with a NUL would be checked as its prefix only.
        if password.utf8.contains(0) || user.utf8.contains(0) { return false }
        let known = users[user]
        let hash = known ?? Self.dummyHash(for: users)
        let key = hash + "\u{0}" + Bucketing.sha256Hex(Array(password.utf8))
        if let cached = cache.withLock({ $0[key] }) { return cached && known != nil }
        let matches: Bool
        do {
            matches = try await NIOThreadPool.singleton.runIfActive { ccrypt_verify(password, hash) == 1 }
        } catch {
            return false
        }
        cache.withLock { cache in
            if cache.count >= Self.cacheCapacity { cache.removeAll(keepingCapacity: true) }
            cache[key] = matches
        }
        return matches && known != nil
    }

    /// The user and password of an `Authorization: Basic ...` header; `nil` for any other or a malformed one.
    static func credentials(fromAuthorization header: String) -> (user: String, password: String)? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let decoded = base64Decode(parts[1].trimmingPrefix(" ")),
            let colon = decoded.firstIndex(of: UInt8(ascii: ":"))
        else { return nil }
        return (String(decoding: decoded[..<colon], as: UTF8.self), String(decoding: decoded[(colon + 1)...], as: UTF8.self))
    }

    /// Standard base64 (RFC 4648 §4) with padding; `nil` if malformed.
    static func base64Decode(_ text: some StringProtocol) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(characters.count / 4 * 3)
        var index = 0
        while index < characters.count {
            var group: UInt32 = 0
            var padding = 0
            for offset in 0..<4 {
                let character = characters[index + offset]
                let value: UInt8
                switch character {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = character - UInt8(ascii: "A")
                case UInt8(ascii: "a")...UInt8(ascii: "z"): value = character - UInt8(ascii: "a") + 26
                case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0") + 52
                case UInt8(ascii: "+"): value = 62
                case UInt8(ascii: "/"): value = 63
                case UInt8(ascii: "=") where index + 4 == characters.count && offset >= 2:
                    value = 0
                    padding += 1
                default: return nil
                }
                if padding > 0 && character != UInt8(ascii: "=") { return nil }
                group = group << 6 | UInt32(value)
            }
            output.append(UInt8(group >> 16 & 0xFF))
            if padding < 2 { output.append(UInt8(group >> 8 & 0xFF)) }
            if padding < 1 { output.append(UInt8(group & 0xFF)) }
            index += 4
        }
        return output
    }
}
