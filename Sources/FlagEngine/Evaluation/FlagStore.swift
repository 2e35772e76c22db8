import Locking

/// Holds the ``FlagSet`` in use and swaps it atomically; readers never see half a configuration.
///
/// Readers take a snapshot (a brief lock to copy one reference) and evaluate on it without any lock; a writer's swap
/// never waits for evaluations. Hot loops should take one snapshot per batch, not per evaluation.
public final class FlagStore: Sendable {
    private let current: Locked<FlagSet>

    /// Creates a store serving `initial`.
    public init(_ initial: FlagSet = .empty) {
        self.current = Locked(initial)
    }

    /// The set in use now.
    public var snapshot: FlagSet {
        current.withLock { $0 }
    }

    /// Replaces the set in use and returns the one it replaced.
    @discardableResult
    public func replace(with next: FlagSet) -> FlagSet {
        current.withLock { stored in
            let previous = stored
            stored = next
            return previous
        }
    }
}
