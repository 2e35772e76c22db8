#if canImport(Glibc)
    import Glibc
#endif

/// The two clocks of the exporter, read one way everywhere: unix time for what is reported (timestamps, gradual
/// rollouts), monotonic time for durations, deadlines and pacing (it never jumps with the wall clock).
public enum SystemClock {
    /// Seconds since the unix epoch.
    public static func unixSeconds() -> Double {
        read(CLOCK_REALTIME)
    }

    /// Seconds on the monotonic clock (an arbitrary origin; only differences mean anything).
    public static func monotonicSeconds() -> Double {
        read(CLOCK_MONOTONIC)
    }

    @inline(__always)
    private static func read(_ clock: clockid_t) -> Double {
        var now = timespec()
        clock_gettime(clock, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}

/// Sleeping an OS thread (a libcurl retry's backoff, a background loop): never on the cooperative pool, where
/// `Task.sleep` is the way.
public enum ThreadSleep {
    /// Sleeps `seconds`, resuming after a signal interrupts it.
    public static func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        var request = timespec(seconds)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }

    /// Sleeps `seconds` in slices of at most 100 ms, returning early (false) once `keepGoing` turns false.
    public static func sleep(_ seconds: Double, while keepGoing: () -> Bool) -> Bool {
        var remaining = seconds
        while remaining > 0 {
            guard keepGoing() else { return false }
            let slice = min(remaining, 0.1)
            sleep(seconds: slice)
            remaining -= slice
        }
        return keepGoing()
    }
}

extension timespec {
    init(_ seconds: Double) {
        let whole = Int(seconds)
        self.init(tv_sec: whole, tv_nsec: Int((seconds - Double(whole)) * 1e9))
    }
}
