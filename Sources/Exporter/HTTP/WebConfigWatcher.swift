import FlagSync
import Logging
import ServiceLifecycle

/// Reads `--web.config.file` and the certificate files it names again when one of them changes (inotify on their
/// folders, debounced), and every ``safetyInterval`` seconds whatever inotify says: a Kubernetes secret volume swaps
/// a symlink two levels up, and network filesystems send no events. The reads happen on the watcher's own thread,
/// never on an event loop and never per connection. When a new configuration names other certificate files, the
/// watch moves to them.
struct WebConfigWatcher: Service {
    let reloader: WebConfigReloader
    let logger: Logger
    var safetyInterval = 10.0

    func run() async throws {
        let (moves, continuation) = AsyncStream.makeStream(of: [String].self, bufferingPolicy: .bufferingNewest(1))
        await cancelWhenGracefulShutdown {
            var paths = reloader.watchedPaths
            var iterator = moves.makeAsyncIterator()
            while !Task.isCancelled {
                let watcher: FileWatcher
                do {
                    let watched = paths
                    watcher = try FileWatcher(paths: watched, safetyInterval: safetyInterval) { [reloader] _ in
                        reloader.reload()
                        let now = reloader.watchedPaths
                        if now != watched { continuation.yield(now) }
                    }
                } catch {
                    logger.error(
                        "cannot watch the web config; SIGHUP still reads it", metadata: ["error": "\(error)"])
                    return
                }
                let moved = await iterator.next()
                watcher.stop()
                guard let moved else { return }
                paths = moved
            }
        }
        continuation.finish()
    }
}
