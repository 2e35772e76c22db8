/// When a failed push is tried again: after connection errors, timeouts and 5xx answers (never after a 4xx, which
/// says the body or the request is wrong and would be refused again), up to ``retries`` more times, waiting a capped
/// exponential backoff with jitter in between.
///
/// With the defaults (3 retries, 0.5 s doubling, cap 5 s, jitter 20%) the waits are about 0.5, 1 and 2 s: a push to
/// a gateway that refuses connections gives up after at most 4.2 s; one that times out after at most
/// `4 × timeout + 4.2 s`.
public struct RetryPolicy: Sendable, Hashable {
    /// Tries after the first; 0 tries once.
    public var retries = 3
    /// The wait before the first retry, in seconds; each later wait doubles it.
    public var initialBackoff = 0.5
    /// No wait is longer than this (jitter included).
    public var maximumBackoff = 5.0
    /// Each wait is its nominal value times a random factor in `1 ± jitter`, so pushers do not retry in lockstep.
    public var jitter = 0.2

    public init(retries: Int = 3, initialBackoff: Double = 0.5, maximumBackoff: Double = 5.0, jitter: Double = 0.2) {
        self.retries = max(0, retries)
        self.initialBackoff = max(0, initialBackoff)
        self.maximumBackoff = max(0, maximumBackoff)
        self.jitter = min(max(0, jitter), 1)
    }

    /// The wait before retry number `retry` (1-based), given a `random` number in `[0, 1)`.
    public func backoff(beforeRetry retry: Int, random: Double) -> Double {
        let nominal = initialBackoff * Double(1 << min(max(retry - 1, 0), 30))
        let factor = 1 + jitter * (2 * random - 1)
        return min(maximumBackoff, nominal * factor)
    }

    /// The longest the waits of a push that never succeeds can add up to.
    public var maximumTotalBackoff: Double {
        // The longest wait before each retry is the one with the highest random factor.
        guard retries > 0 else { return 0 }
        return (1...retries).reduce(0) { total, retry in total + backoff(beforeRetry: retry, random: 1) }
    }
}
