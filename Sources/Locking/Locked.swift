#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value behind a `pthread_mutex_t`, shared between threads and tasks.
///
/// The API is that of the standard library's `Synchronization.Mutex`: a `withLock` that lends the value `inout`.
/// It exists because ThreadSanitizer cannot see `Mutex` on Linux: `Mutex` waits on a futex inside the
/// uninstrumented standard library, so TSan reports every value published through one as a race (a twenty-line
/// program shows it; see docs/architecture.md). TSan intercepts `pthread_mutex_lock` and `pthread_mutex_unlock`, so
/// with this lock `make tsan` reports only real races. The cost is the same as `Mutex` when uncontended (one
/// atomic each way); nothing on an evaluation hot path takes a lock.
public final class Locked<Value: ~Copyable>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    /// Creates a lock guarding `initialValue`.
    public init(_ initialValue: consuming sending Value) {
        value = initialValue
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed: \(status)")
    }

    deinit {
        let status = pthread_mutex_destroy(mutex)
        precondition(status == 0, "pthread_mutex_destroy failed: \(status)")
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the lock held and the value lent to it; returns what `body` returns.
    ///
    /// `body` must not call `withLock` on the same lock (the mutex is not recursive) and should not block.
    public func withLock<Result: ~Copyable, Failure: Error>(
        _ body: (inout sending Value) throws(Failure) -> sending Result
    ) throws(Failure) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
