import SystemIO

/// Where gradual rollouts read the time from; injectable so tests and simulations can fix or move it.
///
/// An enum rather than a closure so that the default, `.system`, costs nothing to pass on the evaluation hot path.
public enum EvaluationClock: Sendable {
    /// The system's wall clock.
    case system
    /// A clock that always reads this unix time.
    case fixed(Double)
    /// A clock read through a function returning unix seconds.
    case custom(@Sendable () -> Double)

    /// The current time in unix seconds.
    public func now() -> Double {
        switch self {
        case .system:
            return SystemClock.unixSeconds()
        case .fixed(let time):
            return time
        case .custom(let read):
            return read()
        }
    }
}
