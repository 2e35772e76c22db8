#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
            var spec = timespec()
            clock_gettime(CLOCK_REALTIME, &spec)
            return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
        case .fixed(let time):
            return time
        case .custom(let read):
            return read()
        }
    }
}
