/// Seconds on the monotonic clock, for durations and pacing.
enum MonotonicClock {
    private static let origin = ContinuousClock.now

    static func seconds() -> Double {
        let elapsed = ContinuousClock.now - origin
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
