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
}

/// A running flag shared between a background loop and the object that stops it.
final class RunFlag: Sendable {
    private let flag = Atomic<Bool>(true)

    var isRunning: Bool { flag.load(ordering: .relaxed) }

    func stop() { flag.store(false, ordering: .relaxed) }
}
