#if canImport(Glibc)
import Glibc
#endif

/// Unleash's built-in activation strategies, as the client specification defines them.
enum UnleashStrategies {
    static func isOn(_ strategy: UnleashStrategy, toggleName: String, context: UnleashContext, hostname: String,
                     random: () -> UInt32) -> Bool {
        let parameters = strategy.compiled
        switch strategy.name {
        case "default":
            return true
        case "userWithId":
            guard let userID = context.userID else { return false }
            return parameters.userIDs.containsElement(withCodePointsOf: userID)
        case "gradualRolloutUserId":
            return rollout(parameters.percentage, groupID: parameters.groupID ?? toggleName, id: context.userID)
        case "gradualRolloutSessionId":
            return rollout(parameters.percentage, groupID: parameters.groupID ?? toggleName, id: context.sessionID)
        case "gradualRolloutRandom":
            return parameters.percentage > 0 && Int(random()) <= parameters.percentage
        case "flexibleRollout":
            let id: String?
            switch parameters.stickiness {
            case "default": id = context.userID ?? context.sessionID ?? String(random())
            case "random": id = String(random())
            case "userId": id = context.userID
            case "sessionId": id = context.sessionID
            case let field: id = context.field(field, now: 0)
            }
            return rollout(parameters.rollout, groupID: parameters.groupID ?? toggleName, id: id)
        case "remoteAddress":
            guard let address = context.remoteAddress else { return false }
            return list(strategy.parameters["IPs"]).contains { IPRange($0)?.contains(address) ?? $0.hasSameCodePoints(as: address) }
        case "applicationHostname":
            return parameters.hostNames.containsElement(withCodePointsOf: hostname.lowercasedAsUnicode())
        default:
            return false
        }
    }

    /// Whether a percentage strategy has an id to bucket `context` by (`default` and `random` stickiness always do:
    /// they fall back to a random draw).
    static func hasBucketingID(_ strategy: UnleashStrategy, _ context: UnleashContext) -> Bool {
        switch strategy.name {
        case "gradualRolloutUserId": return context.userID != nil
        case "gradualRolloutSessionId": return context.sessionID != nil
        case "flexibleRollout":
            switch strategy.compiled.stickiness {
            case "default", "random": return true
            case "userId": return context.userID != nil
            case "sessionId": return context.sessionID != nil
            case let field: return context.field(field, now: 0) != nil
            }
        default: return true
        }
    }

    /// `percentage > 0 && murmur3("<groupId>:<id>") % 100 + 1 <= percentage`; false without an id.
    static func rollout(_ percentage: Int, groupID: String, id: String?) -> Bool {
        guard let id, percentage > 0 else { return false }
        return Murmur3.unleashBucket(groupID: groupID, id: id) <= UInt32(min(percentage, 100))
    }

    /// A percentage parameter as the SDKs read it (`Number(x)`, truncated; missing or not a number is 0).
    static func percentage(_ text: String?) -> Int {
        guard let text, let value = Double(text.trimmingJavaScriptSpace()), value.isFinite else { return 0 }
        return Int(value.rounded(.towardZero))
    }

    /// A comma-separated parameter, each entry trimmed.
    static func list(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { String(String($0).trimmingJavaScriptSpace()) }.filter { !$0.isEmpty }
    }
}

/// An IP address or CIDR range (IPv4 or IPv6), as `remoteAddress` lists them.
struct IPRange: Sendable, Hashable {
    let network: [UInt8]
    let prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let address = Self.bytes(String(parts[0])) else { return nil }
        let bits = address.count * 8
        let prefix = parts.count == 2 ? Int(parts[1]) : bits
        guard let prefix, (0...bits).contains(prefix) else { return nil }
        network = address
        self.prefix = prefix
    }

    func contains(_ text: String) -> Bool {
        guard let address = Self.bytes(text), address.count == network.count else { return false }
        var remaining = prefix
        for (a, b) in zip(address, network) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if a & mask != b & mask { return false }
            remaining -= 8
        }
        return true
    }

    static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}

/// Variant selection: overrides first, then `murmur3("<groupId>:<stickiness value>", 86028157) % totalWeight + 1`,
/// walking the variants with weight > 0 until the running total reaches it.
enum UnleashVariants {
    /// The variant for `context`, and whether an override chose it.
    static func select(_ variants: [UnleashVariant], groupID: String, context: UnleashContext, now: Double,
                       random: () -> UInt32) -> (position: Int, overridden: Bool)? {
        let total = variants.reduce(0) { $0 + max(0, $1.weight) }
        guard total > 0 else { return nil }
        if let overridden = variants.firstIndex(where: { variant in
            variant.overrides.contains { override in
                context.field(override.contextName, now: now).map(override.values.containsElement(withCodePointsOf:)) ?? false
            }
        }) {
            return (overridden, true)
        }
        let stickiness = variants.first?.stickiness ?? "default"
        let seed: String
        switch stickiness {
        case "default", "": seed = context.userID ?? context.sessionID ?? context.remoteAddress ?? String(random())
        case "random": seed = String(random())
        case let field: seed = context.field(field, now: now) ?? String(random())
        }
        let target = Murmur3.unleashBucket(groupID: groupID, id: seed, modulus: UInt32(total), seed: Murmur3.unleashVariantSeed)
        var running: UInt32 = 0
        for (position, variant) in variants.enumerated() where variant.weight > 0 {
            running += UInt32(variant.weight)
            if running >= target { return (position, false) }
        }
        return nil
    }
}
