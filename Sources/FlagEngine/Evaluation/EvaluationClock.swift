#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where gradual rollouts read the time from; injectable so tests and simulations can fix or move it.
public struct EvaluationClock: Sendable {
    private let read: @Sendable () -> Double

    /// A clock reading `read()` as unix seconds.
    public init(_ read: @escaping @Sendable () -> Double) {
        self.read = read
    }

    /// The current time in unix seconds.
    public func now() -> Double { read() }

    /// The system's wall clock.
    public static let system = EvaluationClock {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// A clock that always reads `time`.
    public static func fixed(_ time: Double) -> EvaluationClock { EvaluationClock { time } }
}
