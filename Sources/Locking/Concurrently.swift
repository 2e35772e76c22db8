import Dispatch

/// Runs `first` and `second` at once and returns both results: one on the calling thread, the other on a Dispatch
/// worker (`DispatchQueue.concurrentPerform`; with no worker free, the calling thread runs both in turn).
///
/// The two-core paths of the config loader (split parse, decode, compile) each hand their two halves to this.
public func concurrently<First: Sendable, Second: Sendable>(
    _ first: @Sendable () -> First,
    _ second: @Sendable () -> Second
) -> (First, Second) {
    let results = Locked<(first: First?, second: Second?)>((nil, nil))
    DispatchQueue.concurrentPerform(iterations: 2) { index in
        if index == 0 {
            let value = first()
            results.withLock { $0.first = value }
        } else {
            let value = second()
            results.withLock { $0.second = value }
        }
    }
    return results.withLock { results in
        guard let first = results.first, let second = results.second else {
            preconditionFailure("concurrentPerform returned before running both iterations")
        }
        return (first, second)
    }
}
