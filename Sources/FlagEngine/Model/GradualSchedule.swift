/// A percentage that changes over time: linear between two instants, or stepwise.
///
/// Times are unix seconds. With a fixed bucket and a non-decreasing schedule, a user who is in stays in.
public enum GradualSchedule: Sendable, Hashable {
    /// Linear interpolation from `startPercentage` at `start` to `endPercentage` at `end`, clamped outside.
    case linear(start: Double, end: Double, startPercentage: Double, endPercentage: Double)
    /// Each step's percentage applies from its instant until the next; 0 before the first step.
    case steps([Step])

    /// One step of a stepwise schedule.
    public struct Step: Sendable, Hashable {
        /// Unix seconds from which `percentage` applies.
        public var at: Double
        public var percentage: Double

        public init(at: Double, percentage: Double) {
            self.at = at
            self.percentage = percentage
        }
    }

    /// The percentage (0...100) in force at `time` (unix seconds).
    public func percentage(at time: Double) -> Double {
        switch self {
        case .linear(let start, let end, let startPercentage, let endPercentage):
            if time <= start { return startPercentage }
            if time >= end { return endPercentage }
            let progress = (time - start) / (end - start)
            return startPercentage + (endPercentage - startPercentage) * progress
        case .steps(let steps):
            var current = 0.0
            for step in steps {
                guard step.at <= time else { break }
                current = step.percentage
            }
            return current
        }
    }
}
