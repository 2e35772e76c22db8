public import NIOPosix

/// The one way the exporter runs short blocking work (a check of the flag source with its libcurl fetch, a push to
/// the Pushgateway, a re-read of the web config or of the API key file): on swift-nio's blocking thread pool
/// (`NIOThreadPool.singleton`), never on an event loop and never on the cooperative pool, whose few threads must stay
/// free for requests.
///
/// A blocking *loop* that lives as long as its service (inotify's `read`, Redis's subscription) is not a job: it gets
/// its own thread (`BackgroundThread`), so that it never holds one of the pool's threads for good.
public struct BlockingWork: Sendable {
    /// The process's pool: swift-nio's singleton, shared with Hummingbird and NIO's own file I/O.
    public static let shared = BlockingWork(pool: .singleton)

    let pool: NIOThreadPool

    public init(pool: NIOThreadPool) {
        self.pool = pool
    }

    /// Runs `work` on a thread of the pool and returns its result. The work always runs, even when the calling task
    /// is cancelled: a check or a push half done would be worse than one finished late.
    public func run<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            pool.submit { _ in continuation.resume(returning: work()) }
        }
    }

    /// A queue on this pool whose jobs run one at a time, in the order they were given.
    public func serialQueue() -> SerialBlockingQueue {
        SerialBlockingQueue(pool: pool)
    }
}
