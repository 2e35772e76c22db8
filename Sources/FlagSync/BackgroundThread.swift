import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Starts a detached OS thread, for loops that block in poll(2) or libcurl and must stay off Swift's cooperative
/// thread pool (two threads on a two-core machine).
enum BackgroundThread {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    static func start(_ body: @escaping @Sendable () -> Void) {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        let result = pthread_create(
            &thread, nil,
            { context in
                let body = Unmanaged<Body>.fromOpaque(context!).takeRetainedValue()
                body.run()
                return nil
            }, context)
        precondition(result == 0, "pthread_create failed: \(result)")
        pthread_detach(thread)
    }

    /// Sleeps `seconds` in slices of at most 100 ms, returning early (false) once `keepGoing` turns false.
    static func sleep(_ seconds: Double, while keepGoing: () -> Bool) -> Bool {
        var remaining = seconds
        while remaining > 0 {
            guard keepGoing() else { return false }
            let slice = min(remaining, 0.1)
            var request = timespec(tv_sec: Int(slice), tv_nsec: Int((slice - Double(Int(slice))) * 1e9))
            nanosleep(&request, nil)
            remaining -= slice
        }
        return keepGoing()
    }
}

/// A running flag shared between a background loop and the object that stops it.
final class RunFlag: Sendable {
    private let flag = Atomic<Bool>(true)

    var isRunning: Bool { flag.load(ordering: .relaxed) }

    func stop() { flag.store(false, ordering: .relaxed) }
}
