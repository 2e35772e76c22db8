import Locking
import NIOCore
public import NIOPosix
import NIOConcurrencyHelpers

/// Blocking jobs that must not overlap (the flag source's checks: a periodic one, a SIGHUP and a `POST /-/reload` at
/// the same moment), run one at a time in the order given, on ``BlockingWork``'s pool.
///
/// No thread is set aside for the queue and none waits on it: while jobs are pending, one of the pool's threads
/// drains them; when the queue is empty it holds none.
public final class SerialBlockingQueue: Sendable {
    private let pool: NIOThreadPool
    private let state = Locked(State())

    private struct State {
        var jobs = CircularBuffer<@Sendable () -> Void>()
        /// Whether a pool thread is draining ``jobs``.
        var isDraining = false
    }

    init(pool: NIOThreadPool) {
        self.pool = pool
    }

    /// Runs `work` after every job given before it, on the pool, and returns its result.
    public func run<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            enqueue { continuation.resume(returning: work()) }
        }
    }

    /// Runs `work` after every job given before it, on the pool, blocking the calling thread until it is done: for
    /// the synchronous commands (`check`, `eval`, `push`), never for a task, an event loop or a job on the pool (which
    /// could wait for itself).
    public func runAndWait<Value: Sendable>(_ work: @escaping @Sendable () -> Value) -> Value {
        let done = ConditionLock(value: false)
        let result = NIOLockedValueBox<Value?>(nil)
        enqueue {
            let value = work()
            result.withLockedValue { $0 = value }
            done.lock()
            done.unlock(withValue: true)
        }
        done.lock(whenValue: true)
        done.unlock()
        return result.withLockedValue { $0! }
    }

    private func enqueue(_ job: @escaping @Sendable () -> Void) {
        let startDraining = state.withLock { state in
            state.jobs.append(job)
            guard !state.isDraining else { return false }
            state.isDraining = true
            return true
        }
        if startDraining { pool.submit { [self] _ in drain() } }
    }

    private func drain() {
        while let job = state.withLock({ state -> (@Sendable () -> Void)? in
            guard let job = state.jobs.popFirst() else {
                state.isDraining = false
                return nil
            }
            return job
        }) {
            job()
        }
    }
}
